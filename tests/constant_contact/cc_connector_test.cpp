// The Constant Contact connector's pieces without a server: 429 bodies,
// the token pair's rotation order and sharing, the durable credential file,
// and the time parsing the bookmarks rely on. The session is the fake one
// (tests/support), answered by a scripted server; both record what happened.

#include "connectors/constant_contact/cc_api.hpp"
#include "connectors/core/credential_file.hpp"
#include "connectors/core/timestamp.hpp"
#include "connectors/registry.hpp"
#include "tests/support/fake_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using namespace constant_contact;
using quarry::testing::fake_session;

std::string unique_account(const std::string& stem) {
  static std::atomic<int> n{0};
  return stem + "-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

http::response answer(long status, std::string body) {
  http::response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Constant Contact's side of the wire, scripted: token requests answered from
// a rotating chain, API requests by api_answer (default 200 {}) and
// GET /v3/contacts?status=deleted by deleted_answer (default: none deleted).
// `events` logs "refresh <rt>", "call <bearer>" and the session's
// "store <name> <value>", in order.
struct cc_server {
  std::vector<std::string> events;
  std::string live_rt = "rt-0";
  int rotations = 0;
  bool fail_store = false;  // the session's store_credential() fails
  std::function<http::response(const std::string& url)> api_answer;
  std::function<http::response(const std::string& url)> deleted_answer;

  http::response operator()(const http::request& req) {
    if (req.url.find("/oauth2/default/v1/token") != std::string::npos) {
      const auto at = req.url.find("refresh_token=") + 14;
      const auto rt = req.url.substr(at, req.url.find('&', at) - at);
      events.push_back("refresh " + rt);
      if (rt != live_rt)
        return answer(400, R"({"error_description":"unknown, invalid, or expired refresh token",)"
                           R"("error":"invalid_grant"})");
      live_rt = "rt-" + std::to_string(++rotations);
      return answer(200, json{{"access_token", "at-" + std::to_string(rotations)},
                              {"expires_in", 86400}, {"refresh_token", live_rt}}.dump());
    }
    std::string bearer;
    for (const auto& [k, v] : req.headers)
      if (k == "Authorization") bearer = v.substr(7);
    events.push_back("call " + bearer);
    if (req.url.find("status=deleted") != std::string::npos)
      return deleted_answer ? deleted_answer(req.url) : answer(200, R"({"contacts":[]})");
    return api_answer ? api_answer(req.url) : answer(200, "{}");
  }
};

// A session of `account` answered by `server`, which logs its credential stores.
fake_session cc_session(const std::shared_ptr<cc_server>& server, std::string account) {
  job_context job;
  job.account = std::move(account);
  job.endpoint = "https://api.example.test";
  job.credentials = {{"client_id", "id"}, {"client_secret", "s3cret"}, {"refresh_token", "rt-0"}};
  fake_session s(std::move(job),
                 [server](const http::request& req) -> result<http::response> { return (*server)(req); });
  s.on_store = [server](std::string_view name, const std::string& value) -> status {
    server->events.push_back("store " + std::string(name) + " " + value);
    if (server->fail_store)
      return make_error(error_kind::fatal, "cannot store credential refresh_token in /x: disk full");
    return {};
  };
  return s;
}

// The URLs of the API calls (token requests left out), in order.
std::vector<std::string> urls_of(const fake_session& s) {
  std::vector<std::string> out;
  for (const auto& r : s.requests)
    if (r.url.find("/oauth2/default/v1/token") == std::string::npos) out.push_back(r.url);
  return out;
}

// What the session was handed, in order: "emit <contact_id> [deleted=..]",
// "tombstone <stream> <key>", "checkpoint".
std::vector<std::string> log_of(const fake_session& s) {
  std::vector<std::string> out;
  std::size_t next = 0;
  const auto outputs_to = [&](std::size_t end) {
    for (; next < end; ++next) {
      const auto& [stream, record, tombstone] = s.emitted[next];
      out.push_back(tombstone ? "tombstone " + stream + " " + record.dump()
                              : "emit " + record.value("contact_id", std::string()) +
                                    (record.contains("deleted") ? " deleted=" + record["deleted"].dump() : ""));
    }
  };
  for (const auto at : s.emitted_at) {
    outputs_to(at);
    out.push_back("checkpoint");
  }
  outputs_to(s.emitted.size());
  return out;
}

// The tombstones the engine would commit, "<stream> <key>": those before the
// last checkpoint.
std::vector<std::string> committed_tombstones(const fake_session& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < (s.emitted_at.empty() ? 0 : s.emitted_at.back()); ++i)
    if (s.emitted[i].tombstone) out.push_back(s.emitted[i].stream + " " + s.emitted[i].record.dump());
  return out;
}

TEST(cc_classify, the_two_429_bodies_are_told_apart) {
  http::request req;
  req.url = "https://api.example.test/v3/contacts?limit=500";
  const auto throttled = classify(req, answer(429, R"({"error_key":"throttled","error_message":"Too Many Requests"})"));
  ASSERT_TRUE(throttled);
  EXPECT_EQ(throttled->kind, error_kind::rate_limited);
  EXPECT_EQ(throttled->retry_after_s, 1);
  const auto quota = classify(req, answer(429, R"({"error_key":"quota_exceeded","error_message":"Limit Exceeded"})"));
  ASSERT_TRUE(quota);
  EXPECT_EQ(quota->kind, error_kind::quota_exhausted);
  EXPECT_NE(quota->message.find("GET /v3/contacts"), std::string::npos) << quota->message;
  EXPECT_EQ(quota->message.find("limit=500"), std::string::npos) << "no query string in errors";
  const auto other = classify(req, answer(429, "<html>slow down</html>"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->kind, error_kind::rate_limited);
  EXPECT_FALSE(classify(req, answer(200, R"({"error_key":"quota_exceeded"})")));
}

TEST(cc_tokens, a_rotated_refresh_token_is_stored_before_the_new_access_token_is_used) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("order"));
  api a(s);
  ASSERT_TRUE(a.get("/v3/contact_lists", "GET /v3/contact_lists"));
  ASSERT_TRUE(a.get("/v3/contact_lists", "GET /v3/contact_lists"));
  EXPECT_EQ(server->events, (std::vector<std::string>{"refresh rt-0", "store refresh_token rt-1", "call at-1", "call at-1"}));
}

TEST(cc_tokens, a_401_refreshes_once_with_the_rotated_token_and_retries) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("401"));
  int n = 0;
  server->api_answer = [&](const std::string&) { return answer(++n == 2 ? 401 : 200, "{}"); };
  api a(s);
  ASSERT_TRUE(a.get("/v3/emails", "GET /v3/emails"));
  ASSERT_TRUE(a.get("/v3/emails", "GET /v3/emails"));
  EXPECT_EQ(server->events, (std::vector<std::string>{"refresh rt-0", "store refresh_token rt-1", "call at-1", "call at-1",
                                                "refresh rt-1", "store refresh_token rt-2", "call at-2"}));
}

TEST(cc_tokens, a_failed_store_fails_the_task_before_the_token_is_used) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("store-fails"));
  server->fail_store = true;
  api a(s);
  const auto r = a.get("/v3/contacts", "GET /v3/contacts");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::fatal);
  EXPECT_EQ(server->events, (std::vector<std::string>{"refresh rt-0", "store refresh_token rt-1"}));
  // The process keeps the live token: a later attempt rotates from it, not from the dead one.
  server->fail_store = false;
  ASSERT_TRUE(a.get("/v3/contacts", "GET /v3/contacts"));
  EXPECT_EQ(server->events[2], "refresh rt-1");
}

TEST(cc_tokens, with_a_token_file_a_failed_store_still_rotates_from_the_live_token_not_the_file) {
  const auto dir = std::filesystem::temp_directory_path() / unique_account("file-store-fails");
  std::filesystem::create_directories(dir);
  const auto path = (dir / "refresh_token").string();
  ASSERT_TRUE(write_credential_file(path, "rt-0", "refresh_token"));
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("file-store-fails"));
  s.job_.credential_files = {{"refresh_token", path}};
  server->fail_store = true;
  api a(s);
  ASSERT_FALSE(a.get("/v3/contacts", "GET /v3/contacts"));
  server->fail_store = false;
  ASSERT_TRUE(a.get("/v3/contacts", "GET /v3/contacts"));
  EXPECT_EQ(server->events, (std::vector<std::string>{"refresh rt-0", "store refresh_token rt-1", "refresh rt-1",
                                                "store refresh_token rt-2", "call at-2"}));
  EXPECT_EQ(read_credential_file(path, "refresh_token").value(), "rt-2");
  // The access token is shared beside the refresh token for other processes.
  const auto shared = json::parse(read_credential_file(path + ".access", "access").value());
  EXPECT_EQ(shared["access_token"], "at-2");
  struct stat st {};
  ASSERT_EQ(::stat((path + ".access").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(dir);
}

TEST(cc_tokens, a_second_process_takes_the_rotated_token_from_the_file_and_the_stored_access_token) {
  const auto dir = std::filesystem::temp_directory_path() / unique_account("two-processes");
  std::filesystem::create_directories(dir);
  const auto path = (dir / "refresh_token").string();
  ASSERT_TRUE(write_credential_file(path, "rt-0", "refresh_token"));
  const auto first_server = std::make_shared<cc_server>(), second_server = std::make_shared<cc_server>();
  auto first = cc_session(first_server, unique_account("p1"));
  auto second = cc_session(second_server, unique_account("p2"));
  first.job_.credential_files = second.job_.credential_files = {{"refresh_token", path}};
  refresh_token_chain one, two;  // each process has its own
  const auto token = [](refresh_token_chain& chain, session& s) {
    return chain.tokens().token([&] { return chain.fetch(s); });
  };
  ASSERT_EQ(token(one, first).value(), "at-1");
  // The second process started with rt-0 in its config, which the server has
  // killed: it reads rt-1 from the file, and needs no refresh at all.
  ASSERT_EQ(token(two, second).value(), "at-1");
  EXPECT_TRUE(second_server->events.empty()) << second_server->events.front();
  // After a 401 it refreshes, from the file's token (not taking back the
  // refused one the file still shares), and writes the next one.
  two.tokens().invalidate("at-1");
  second_server->live_rt = "rt-1";
  second_server->rotations = 1;
  ASSERT_EQ(token(two, second).value(), "at-2");
  EXPECT_EQ(second_server->events, (std::vector<std::string>{"refresh rt-1", "store refresh_token rt-2"}));
  EXPECT_EQ(read_credential_file(path, "refresh_token").value(), "rt-2");
  std::filesystem::remove_all(dir);
}

TEST(cc_tokens, invalid_grant_is_fatal_and_names_no_token) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("dead"));
  server->live_rt = "rt-elsewhere";  // another client rotated it
  api a(s);
  const auto r = a.get("/v3/contacts", "GET /v3/contacts");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::fatal);
  EXPECT_NE(r.error().message.find("invalid_grant"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("rt-0"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("s3cret"), std::string::npos) << r.error().message;
}

TEST(cc_tokens, tasks_of_one_account_on_many_threads_share_one_refresh) {
  const auto account = unique_account("shared");
  std::vector<std::shared_ptr<cc_server>> servers;
  std::vector<fake_session> sessions;
  for (int i = 0; i < 6; ++i) {
    servers.push_back(std::make_shared<cc_server>());
    sessions.push_back(cc_session(servers.back(), account));
  }
  // One server: every session answers from the first one's chain.
  std::atomic<int> refreshes{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < sessions.size(); ++i)
    threads.emplace_back([&, i] {
      api a(sessions[i]);
      EXPECT_TRUE(a.get("/v3/contacts", "GET /v3/contacts"));
      for (const auto& e : servers[i]->events) refreshes += e.rfind("refresh", 0) == 0;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(refreshes.load(), 1);
}

TEST(cc_credential_file, a_store_replaces_the_file_whole_and_keeps_its_mode) {
  const auto dir = std::filesystem::temp_directory_path() / unique_account("cred");
  std::filesystem::create_directories(dir);
  const auto path = (dir / "refresh_token").string();
  { std::ofstream(path) << "old-token\n"; }
  ::chmod(path.c_str(), 0640);
  ASSERT_TRUE(write_credential_file(path, "new-token", "refresh_token"));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "new-token\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1)
      << "no temp file left behind";
  std::filesystem::remove_all(dir);
}

TEST(cc_credential_file, a_failed_store_names_the_file_and_not_the_value) {
  const auto r = write_credential_file("/nonexistent-dir/refresh_token", "new-token", "refresh_token");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::fatal);
  EXPECT_NE(r.error().message.find("/nonexistent-dir/refresh_token"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("new-token"), std::string::npos) << r.error().message;
}

TEST(cc_credential_file, the_lock_is_exclusive_until_released_and_reads_strip_one_newline) {
  const auto dir = std::filesystem::temp_directory_path() / unique_account("lock");
  std::filesystem::create_directories(dir);
  const auto path = (dir / "refresh_token").string();
  ASSERT_TRUE(write_credential_file(path, "rt-7", "refresh_token"));
  auto read = read_credential_file(path, "refresh_token");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, "rt-7");
  // Another open of the lock file, as another process makes, cannot take it
  // while it is held, and can once it is released.
  const auto try_lock = [&] {
    const int fd = ::open((path + ".lock").c_str(), O_RDWR);
    EXPECT_GE(fd, 0);
    const bool got = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return got;
  };
  {
    auto held = credential_file_lock::acquire(path, "refresh_token");
    ASSERT_TRUE(held);
    EXPECT_FALSE(try_lock()) << "the lock was not exclusive";
  }
  EXPECT_TRUE(try_lock()) << "the lock was not released";
  const auto missing = read_credential_file((dir / "nope").string(), "refresh_token");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find((dir / "nope").string()), std::string::npos) << missing.error().message;
  std::filesystem::remove_all(dir);
}

TEST(cc_credential_file, a_credential_without_a_file_cannot_be_stored) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("nofile"));
  const auto r = s.session::store_credential("refresh_token", "new-token");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("{\"file\": PATH}"), std::string::npos) << r.error().message;
}

json contact(const std::string& id, const std::string& updated_at) {
  return {{"contact_id", id}, {"updated_at", updated_at}, {"email_address", {{"created_at", updated_at}}}};
}

// A restart inside a burst of contacts sharing one updated_at: the read asks
// from one second before the bookmark (so that a server reading
// updated_after exclusively still returns the burst) and skips what the
// bookmark holds, in the boundary's form or the one written before it.
TEST(cc_contacts, a_resumed_read_asks_before_the_bookmark_and_skips_the_keys_it_holds) {
  const json bookmarks[] = {
      {{"updated_at", "2026-11-14T15:05:37.042Z"}, {"keys_at", {"a", "b"}}},
      {{"at", "2026-11-14T15:05:37.042Z"}, {"keys", {"a", "b"}}},  // before the core boundary
  };
  for (const auto& bookmark : bookmarks) {
    SCOPED_TRACE(bookmark.dump());
    const auto server = std::make_shared<cc_server>();
    auto s = cc_session(server, unique_account("burst"));
    s.job_.start_date = "2026-01-01T00:00:00Z";
    server->api_answer = [](const std::string&) {
      return answer(200, json{{"contacts",
                               {contact("z", "2026-11-14T15:05:36.500Z"), contact("a", "2026-11-14T15:05:37.042Z"),
                                contact("b", "2026-11-14T15:05:37.042Z"), contact("c", "2026-11-14T15:05:37.042Z"),
                                contact("d", "2026-11-14T10:05:38.0001-05:00")}}}
                             .dump());
    };
    task_spec task;
    task.stream = "contacts";
    task.bookmark = bookmark;
    ASSERT_TRUE(make_connector("constant_contact")->run(task, s));
    const auto urls = urls_of(s);
    ASSERT_EQ(urls.size(), 2u) << "the incremental pass, then the deleted pass";
    EXPECT_NE(urls[0].find("&updated_after=2026-11-14T15%3A05%3A36.042Z"), std::string::npos) << urls[0];
    const auto emitted = s.records_of("contacts");
    ASSERT_EQ(emitted.size(), 2u);
    EXPECT_EQ(emitted[0]["contact_id"], "c");
    EXPECT_EQ(emitted[1]["updated_at"], "2026-11-14T15:05:38.0001Z") << "UTC, the precision kept";
    EXPECT_EQ(emitted[1]["email_address"]["created_at"], "2026-11-14T15:05:38.0001Z") << "nested too";
    ASSERT_FALSE(s.checkpoints.empty());
    auto last = s.checkpoints.back();
    last.erase("deleted");
    EXPECT_EQ(last, (json{{"updated_at", "2026-11-14T15:05:38.0001Z"}, {"keys_at", {"d"}}}));
  }
}

// The newest instant of a read, settled before the read began (the Date of
// its first answer), needs no keys: the next read starts just after it.
TEST(cc_contacts, a_settled_newest_instant_closes_and_an_unsettled_one_keeps_its_keys) {
  for (const bool settled : {true, false}) {
    SCOPED_TRACE(settled);
    const auto server = std::make_shared<cc_server>();
    auto s = cc_session(server, unique_account("settle"));
    s.job_.start_date = "2026-01-01T00:00:00Z";
    server->api_answer = [&](const std::string&) {
      auto r = answer(200, json{{"contacts", {contact("a", "2026-11-14T15:05:37Z"), contact("b", "2026-11-14T15:05:37Z")}}}.dump());
      // 61 s or 59 s after the contacts' instant
      r.headers = {{"date", settled ? "Sat, 14 Nov 2026 15:06:38 GMT" : "Sat, 14 Nov 2026 15:06:36 GMT"}};
      return r;
    };
    task_spec task;
    task.stream = "contacts";
    ASSERT_TRUE(make_connector("constant_contact")->run(task, s));
    const auto urls = urls_of(s);
    EXPECT_NE(urls[0].find("&updated_after=2025-12-31T23%3A59%3A59.000Z"), std::string::npos) << urls[0];
    EXPECT_EQ(s.records_of("contacts").size(), 2u);
    auto last = s.checkpoints.back();
    last.erase("deleted");
    if (settled) {
      EXPECT_EQ(last, (json{{"updated_at", "2026-11-14T15:05:37.000000001Z"}, {"keys_at", json::array()}}));
    } else {
      EXPECT_EQ(last, (json{{"updated_at", "2026-11-14T15:05:37Z"}, {"keys_at", {"a", "b"}}}));
    }
  }
}

TEST(cc_contacts, a_time_that_is_no_time_fails_the_read_naming_the_record_and_a_bad_column_is_nulled) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("bad-time"));
  s.job_.start_date = "2026-01-01T00:00:00Z";
  json odd = contact("a", "2026-11-14T15:05:37Z");
  odd["created_at"] = "last tuesday";
  server->api_answer = [&](const std::string&) { return answer(200, json{{"contacts", {odd}}}.dump()); };
  task_spec task;
  task.stream = "contacts";
  ASSERT_TRUE(make_connector("constant_contact")->run(task, s));
  const auto emitted = s.records_of("contacts");
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_TRUE(emitted[0]["created_at"].is_null());
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("contacts a.created_at"), std::string::npos) << s.warnings[0];

  server->api_answer = [&](const std::string&) { return answer(200, json{{"contacts", {contact("b", "2026-13-14")}}}.dump()); };
  const auto r = make_connector("constant_contact")->run(task, s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::bad_payload);
  EXPECT_NE(r.error().message.find("contacts b: updated_at"), std::string::npos) << r.error().message;
}

json deleted_contact(const std::string& id, const std::string& updated_at, const std::string& deleted_at) {
  auto c = contact(id, updated_at);
  c["deleted_at"] = deleted_at;
  c["list_memberships"] = json::array();
  return c;
}

// A page of contacts with the server's Date.
http::response contacts_page(const json& contacts, const std::string& date = "Sat, 14 Nov 2026 16:00:00 GMT",
                             const std::string& next = "") {
  json body = {{"contacts", contacts}};
  if (!next.empty()) body["_links"] = {{"next", {{"href", next}}}};
  auto r = answer(200, body.dump());
  r.headers = {{"date", date}};
  return r;
}

std::string tombstone_of(const std::string& id) { return "contacts " + json{{"contact_id", id}}.dump(); }

// One contacts task of a run: from `bookmark`, against what the two passes show.
struct contacts_run {
  json incremental;  // the contacts GET /v3/contacts?status=all shows
  json deleted;      // ... and ?status=deleted
  std::string date = "Sat, 14 Nov 2026 16:00:00 GMT";
  json settings = json::object();
};

fake_session run_contacts(const contacts_run& r, const json& bookmark, bool* ok = nullptr) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("deletes"));
  s.job_.start_date = "2026-01-01T00:00:00Z";
  s.job_.settings = r.settings;
  server->api_answer = [r](const std::string&) { return contacts_page(r.incremental, r.date); };
  server->deleted_answer = [r](const std::string&) { return contacts_page(r.deleted, r.date); };
  task_spec task;
  task.stream = "contacts";
  task.bookmark = bookmark;
  const auto st = make_connector("constant_contact")->run(task, s);
  if (ok) *ok = static_cast<bool>(st);
  else EXPECT_TRUE(st) << st.error().message;
  return s;
}

TEST(cc_deletes, the_deletes_setting_takes_three_values_and_refuses_others_at_plan_time) {
  for (const char* good : {"tombstone", "flag", "both"}) {
    const auto server = std::make_shared<cc_server>();
    auto s = cc_session(server, unique_account("setting"));
    s.job_.settings = {{"deletes", good}};
    EXPECT_TRUE(make_connector("constant_contact")->plan(s, {})) << good;
  }
  for (const json& bad : {json("delete"), json(true), json(nullptr)}) {
    const auto server = std::make_shared<cc_server>();
    auto s = cc_session(server, unique_account("setting"));
    s.job_.account = "shop";
    s.job_.settings = {{"deletes", bad}};
    const auto planned = make_connector("constant_contact")->plan(s, {});
    ASSERT_FALSE(planned) << bad;
    EXPECT_EQ(planned.error().kind, error_kind::fatal);
    const auto& m = planned.error().message;
    EXPECT_NE(m.find("account shop: settings.deletes must be \"tombstone\", \"flag\" or \"both\", got " + bad.dump()),
              std::string::npos)
        << m;
  }
}

// Whatever the mode, live contacts come from the incremental pass
// (status=all) and deletions from the deleted pass, after them, once.
TEST(cc_deletes, each_mode_delivers_a_deletion_as_it_says_after_the_live_records) {
  struct row {
    const char* mode;
    std::vector<std::string> log;
  };
  const auto x = tombstone_of("x");
  const row rows[] = {
      {"tombstone", {"emit a", "checkpoint", "checkpoint", "tombstone " + x, "checkpoint"}},
      {"flag", {"emit a deleted=false", "checkpoint", "checkpoint", "emit x deleted=true", "checkpoint"}},
      {"both", {"emit a deleted=false", "checkpoint", "checkpoint", "emit x deleted=true", "tombstone " + x, "checkpoint"}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.mode);
    contacts_run run;
    // As a server whose deletions move updated_at shows them: in both passes.
    run.incremental = {contact("a", "2026-11-14T15:00:00Z"), deleted_contact("x", "2026-11-14T15:01:00Z", "2026-11-14")};
    run.deleted = json::array({deleted_contact("x", "2026-11-14T15:01:00Z", "2026-11-14")});
    run.settings = {{"deletes", r.mode}};
    const auto s = run_contacts(run, json());
    EXPECT_EQ(log_of(s), r.log);
    const auto urls = urls_of(s);
    ASSERT_EQ(urls.size(), 2u);
    EXPECT_NE(urls[0].find("&status=all&"), std::string::npos) << urls[0];
    EXPECT_NE(urls[1].find("/v3/contacts?limit=500&status=deleted"), std::string::npos) << urls[1];
    EXPECT_EQ(urls[1].find("updated_after"), std::string::npos) << "no date filter: " << urls[1];
    EXPECT_EQ(urls[1].find("include="), r.mode == std::string("tombstone") ? std::string::npos : urls[1].find("include="))
        << "a tombstone needs only the key";
    if (r.mode != std::string("tombstone")) {
      const auto flagged = s.records_of("contacts").back();
      EXPECT_EQ(flagged["deleted_at"], "2026-11-14");
      EXPECT_EQ(flagged["email_address"]["created_at"], "2026-11-14T15:01:00Z");
    }
  }
}

// Every combination of the two readings the docs leave open: deleting moves
// updated_at (the incremental pass sees the deletion too) or not, and
// deleted_at is a date or a date-time. Runs follow each other with the
// bookmark the last one committed: each deletion is tombstoned exactly once.
TEST(cc_deletes, a_deletion_is_tombstoned_once_over_runs_under_every_reading) {
  for (const bool bumps : {true, false})
    for (const std::string day : {"2026-11-14", "2026-11-14T15:59:30.250Z"}) {  // unsettled at 16:00
      SCOPED_TRACE(std::string(bumps ? "bumps" : "does not bump") + " updated_at; deleted_at " + day);
      const auto deleted_x = deleted_contact("x", bumps ? "2026-11-14T15:59:30.250Z" : "2026-10-01T00:00:00Z", day);
      const auto deleted_y = deleted_contact("y", bumps ? "2026-11-14T15:59:30.250Z" : "2026-10-02T00:00:00Z", day);
      contacts_run run;
      run.incremental = json::array({contact("a", "2026-11-14T15:00:00Z")});
      if (bumps) run.incremental.push_back(deleted_x);
      run.deleted = json::array({deleted_x});
      auto s = run_contacts(run, json());
      EXPECT_EQ(committed_tombstones(s), std::vector<std::string>{tombstone_of("x")});
      auto bookmark = s.checkpoints.back();

      // The same answers again: nothing new.
      s = run_contacts(run, bookmark);
      EXPECT_TRUE(committed_tombstones(s).empty()) << bookmark.dump();
      bookmark = s.checkpoints.back();

      // y deleted at the same instant (or day) as x, which is not settled yet.
      if (bumps) run.incremental.push_back(deleted_y);
      run.deleted = {deleted_y, deleted_x};
      s = run_contacts(run, bookmark);
      EXPECT_EQ(committed_tombstones(s), std::vector<std::string>{tombstone_of("y")}) << bookmark.dump();
      bookmark = s.checkpoints.back();
      EXPECT_EQ(bookmark["deleted"]["keys_at"], (json{"x", "y"}));

      // Three days on, the instant is settled: the mark closes past it.
      run.date = "Tue, 17 Nov 2026 16:00:00 GMT";
      s = run_contacts(run, bookmark);
      EXPECT_TRUE(committed_tombstones(s).empty()) << bookmark.dump();
      EXPECT_EQ(s.checkpoints.back()["deleted"]["keys_at"], json::array());
      s = run_contacts(run, s.checkpoints.back());
      EXPECT_TRUE(committed_tombstones(s).empty());
    }
}

// The deleted pass checkpoints only at its end: a run that fails on its
// second page commits none of the first page's tombstones, and the next run
// makes each once.
TEST(cc_deletes, a_run_failing_inside_the_deleted_pass_commits_no_tombstone_and_the_next_makes_each_once) {
  for (const bool second_page_fails : {true, false}) {
    SCOPED_TRACE(second_page_fails);
    const auto server = std::make_shared<cc_server>();
    auto s = cc_session(server, unique_account("fail"));
    s.job_.start_date = "2026-01-01T00:00:00Z";
    server->api_answer = [](const std::string&) { return contacts_page(json::array({contact("a", "2026-11-14T15:00:00Z")})); };
    server->deleted_answer = [&](const std::string& url) {
      if (url.find("cursor=2") == std::string::npos)
        return contacts_page(json::array({deleted_contact("x", "2026-10-01T00:00:00Z", "2026-11-10")}),
                             "Sat, 14 Nov 2026 16:00:00 GMT", "/v3/contacts?status=deleted&cursor=2");
      if (second_page_fails) return answer(200, "<html>Service Unavailable</html>");
      return contacts_page(json::array({deleted_contact("y", "2026-10-01T00:00:00Z", "2026-11-12")}));
    };
    task_spec task;
    task.stream = "contacts";
    task.bookmark = {{"updated_at", "2026-11-14T15:00:00Z"},
                     {"keys_at", {"a"}},
                     {"deleted", {{"deleted_at", "2026-11-01T00:00:00Z"}, {"keys_at", json::array()}}}};
    const auto st = make_connector("constant_contact")->run(task, s);
    if (second_page_fails) {
      ASSERT_FALSE(st);
      EXPECT_EQ(st.error().kind, error_kind::bad_payload) << st.error().message;
      const auto log = log_of(s);
      EXPECT_NE(std::find(log.begin(), log.end(), "tombstone " + tombstone_of("x")), log.end())
          << "emitted, but after the last checkpoint";
      EXPECT_TRUE(committed_tombstones(s).empty());
      EXPECT_EQ(s.checkpoints.back()["deleted"], task.bookmark["deleted"]) << "the mark did not move";
    } else {
      ASSERT_TRUE(st) << st.error().message;
      EXPECT_EQ(committed_tombstones(s), (std::vector<std::string>{tombstone_of("x"), tombstone_of("y")}));
    }
  }
}

// A contact restored (added to a list again) and deleted again on the same
// day: the incremental pass delivered it live, so its second deletion at the
// same deleted_at is tombstoned again. Not seen live in between, the
// deletion the bookmark holds is not repeated.
TEST(cc_deletes, a_contact_restored_and_deleted_again_the_same_day_gets_a_second_tombstone) {
  const json bookmark = {{"updated_at", "2026-11-14T12:00:00Z"},
                         {"keys_at", json::array()},
                         {"deleted", {{"deleted_at", "2026-11-14T00:00:00Z"}, {"keys_at", {"w", "x"}}}}};
  for (const bool seen_live : {true, false}) {
    SCOPED_TRACE(seen_live);
    contacts_run run;
    if (seen_live) run.incremental = json::array({contact("x", "2026-11-14T13:00:00Z")});
    else run.incremental = json::array();
    run.deleted = {deleted_contact("x", "2026-11-14T13:00:00Z", "2026-11-14"),
                   deleted_contact("w", "2026-11-14T11:00:00Z", "2026-11-14")};
    const auto s = run_contacts(run, bookmark);
    if (seen_live) {
      EXPECT_EQ(log_of(s), (std::vector<std::string>{"emit x", "checkpoint", "checkpoint", "tombstone " + tombstone_of("x"),
                                                  "checkpoint"}));
    } else {
      EXPECT_TRUE(committed_tombstones(s).empty());
    }
    EXPECT_EQ(s.checkpoints.back()["deleted"]["keys_at"], (json{"w", "x"}));
  }
}

// More than 10,000 unsettled deletions at one instant would make a state
// message near Kafka's 1 MB: they wait (the older ones are delivered) until
// a newer deletion or the instant's settling closes them, each once.
TEST(cc_deletes, over_ten_thousand_unsettled_deletions_at_one_instant_wait_and_are_delivered_once) {
  contacts_run run;
  run.incremental = json::array();
  run.deleted = json::array({deleted_contact("old", "2026-10-01T00:00:00Z", "2026-11-13")});
  for (int i = 0; i < 10'001; ++i)
    run.deleted.push_back(deleted_contact("c" + std::to_string(i), "2026-10-01T00:00:00Z", "2026-11-14"));
  auto s = run_contacts(run, json());
  EXPECT_EQ(committed_tombstones(s), std::vector<std::string>{tombstone_of("old")});
  EXPECT_EQ(s.checkpoints.back()["deleted"], (json{{"deleted_at", "2026-11-13T00:00:00Z"}, {"keys_at", {"old"}}}));
  ASSERT_FALSE(s.warnings.empty());
  EXPECT_NE(s.warnings.back().find("more than 10000 contacts deleted at 2026-11-14T00:00:00Z"), std::string::npos)
      << s.warnings.back();

  // A newer deletion closes the big day: all of it, once.
  auto later = run;
  later.deleted.push_back(deleted_contact("new", "2026-10-01T00:00:00Z", "2026-11-15"));
  later.date = "Sun, 15 Nov 2026 16:00:00 GMT";
  auto next = run_contacts(later, s.checkpoints.back());
  EXPECT_EQ(committed_tombstones(next).size(), 10'002u);
  EXPECT_EQ(next.checkpoints.back()["deleted"], (json{{"deleted_at", "2026-11-15T00:00:00Z"}, {"keys_at", {"new"}}}));

  // Or the day settles: all of it, once, and the mark closes.
  run.date = "Tue, 17 Nov 2026 16:00:00 GMT";
  next = run_contacts(run, s.checkpoints.back());
  EXPECT_EQ(committed_tombstones(next).size(), 10'001u);
  EXPECT_EQ(next.checkpoints.back()["deleted"]["keys_at"], json::array());
}

TEST(cc_deletes, a_deleted_contact_without_a_readable_deleted_at_fails_the_task_naming_it) {
  contacts_run run;
  run.incremental = json::array();
  run.deleted = json::array({deleted_contact("x", "2026-10-01T00:00:00Z", "someday")});
  bool ok = true;
  const auto s = run_contacts(run, json(), &ok);
  EXPECT_FALSE(ok);
  EXPECT_TRUE(committed_tombstones(s).empty());
}

// Issue 17: the include extras are asked for only when their columns are
// selected (every one when the stream selects all columns).
TEST(cc_extras, contacts_ask_for_the_include_extras_the_job_selects) {
  const struct {
    std::vector<std::string> columns;  // empty: every column
    std::string include;               // the include parameter, "" for none
  } cases[] = {
      {{}, "&include=custom_fields,list_memberships,taggings,notes,phone_numbers,street_addresses&"},
      {{"contact_id", "updated_at", "taggings", "notes"}, "&include=taggings,notes&"},
      {{"contact_id", "updated_at"}, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.columns));
    const auto server = std::make_shared<cc_server>();
    auto s = cc_session(server, unique_account("extras"));
    s.job_.start_date = "2026-01-01T00:00:00Z";
    if (!c.columns.empty()) s.job_.selection.columns = {{"contacts", c.columns}};
    server->api_answer = [](const std::string&) { return answer(200, R"({"contacts":[]})"); };
    task_spec task;
    task.stream = "contacts";
    ASSERT_TRUE(make_connector("constant_contact")->run(task, s));
    const auto urls = urls_of(s);
    ASSERT_FALSE(urls.empty());
    if (c.include.empty()) {
      EXPECT_EQ(urls[0].find("include="), std::string::npos) << urls[0];
    } else {
      EXPECT_NE(urls[0].find(c.include), std::string::npos) << urls[0];
    }
  }
}

// A campaign's task: the activity's detail with only the selected extras,
// a send history row and a link delivered only when new or moved, and the
// links report asked both ways when no link in the first answer went
// unclicked.
TEST(cc_extras, a_campaign_task_delivers_new_sends_and_moved_links_only) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("children"));
  s.job_.selection.columns = {{"campaign_activities", {"campaign_activity_id", "html_content"}}};
  server->api_answer = [](const std::string& url) {
    if (url.ends_with("/v3/emails/c1"))
      return answer(200, R"({"campaign_id":"c1","current_status":"Done",
                             "campaign_activities":[{"campaign_activity_id":"a1","role":"primary_email"}]})");
    if (url.find("/previews") != std::string::npos) return answer(200, R"({"subject":"s"})");
    if (url.find("/send_history") != std::string::npos)
      return answer(200, R"([{"send_id":1,"count":5},{"send_id":2,"count":7}])");
    if (url.ends_with("/links?no_clicks=true"))
      return answer(200, R"({"link_click_counts":[{"url_id":"1","unique_clicks":3},{"url_id":"3","unique_clicks":4}]})");
    if (url.ends_with("/links?no_clicks=false"))
      return answer(200, R"({"link_click_counts":[{"url_id":"1","unique_clicks":3},{"url_id":"2","unique_clicks":0}]})");
    return answer(200, R"({"campaign_activity_id":"a1"})");
  };
  task_spec task;
  task.stream = "campaign_activities";
  task.partition = "c1";
  task.params = {{"campaign_id", "c1"}, {"details", true}, {"sent", true}};
  task.emits = {"email_previews", "campaign_activity_send_history", "email_links", "campaign_activity_schedules"};
  task.bookmark = {{"send_ids", {{"a1", {1}}}}, {"links", {{"a1", {{"1", 3}, {"3", 2}}}}}};
  ASSERT_TRUE(make_connector("constant_contact")->run(task, s));
  bool detail = false;
  int link_calls = 0;
  for (const auto& u : urls_of(s)) {
    if (u.find("/v3/emails/activities/a1?") != std::string::npos) {
      detail = true;
      EXPECT_TRUE(u.ends_with("?include=html_content")) << u;
    }
    link_calls += u.find("/links?no_clicks=") != std::string::npos;
    EXPECT_EQ(u.find("/schedules"), std::string::npos) << "a Done campaign has no schedule: " << u;
  }
  EXPECT_TRUE(detail);
  EXPECT_EQ(link_calls, 2) << "no unclicked link in the first answer: asked the other way too";
  const auto sends = s.records_of("campaign_activity_send_history");
  const auto links = s.records_of("email_links");
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0]["send_id"], 2);
  EXPECT_EQ(sends[0]["campaign_activity_id"], "a1");
  ASSERT_EQ(links.size(), 2u) << "url 1 unchanged; url 2 new, url 3 moved";
  EXPECT_EQ(links[0]["url_id"], "2");
  EXPECT_EQ(links[1]["url_id"], "3");
  EXPECT_EQ(links[1]["unique_clicks"], 4);
  ASSERT_FALSE(s.checkpoints.empty());
  EXPECT_EQ(s.checkpoints.back()["send_ids"], (json{{"a1", {1, 2}}}));
  EXPECT_EQ(s.checkpoints.back()["links"], (json{{"a1", {{"1", 3}, {"2", 0}, {"3", 4}}}}));
}

TEST(cc_paging, a_next_link_the_server_repeats_fails_instead_of_looping) {
  const auto server = std::make_shared<cc_server>();
  auto s = cc_session(server, unique_account("loop"));
  server->api_answer = [](const std::string&) {
    return answer(200, R"({"lists":[{"list_id":"l1"}],"_links":{"next":{"href":"/v3/contact_lists?cursor=abc"}}})");
  };
  task_spec task;
  task.stream = "contact_lists";
  const auto r = make_connector("constant_contact")->run(task, s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::bad_payload);
  EXPECT_NE(r.error().message.find("GET /v3/contact_lists"), std::string::npos) << r.error().message;
  EXPECT_LE(urls_of(s).size(), 3u);
}

TEST(cc_timestamps, rfc3339_and_http_dates) {
  struct row {
    const char* text;
    std::optional<std::int64_t> ms;
  };
  const row rows[] = {{"2019-05-16T21:14:00.000Z", 1558041240000},
                      {"2019-05-16T21:14:00Z", 1558041240000},
                      {"2019-05-16T21:14:00.5Z", 1558041240500},
                      {"2016-03-03T10:56:29-05:00", 1457020589000},
                      {"2016-03-03T15:56:29+0000", 1457020589000},
                      {"2024-01-01", 1704067200000},
                      {"2024-02-30T00:00:00Z", std::nullopt},
                      {"2024-01-01T00:00:00", std::nullopt},
                      {"yesterday", std::nullopt}};
  for (const auto& r : rows) EXPECT_EQ(parse_rfc3339_ms(r.text), r.ms) << r.text;
  EXPECT_EQ(format_rfc3339_ms(1558041240123), "2019-05-16T21:14:00.123Z");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), std::nullopt);
}

TEST(cc_registry, constant_contact_rotates_its_refresh_token_and_keeps_cc_limits) {
  auto c = make_connector("constant_contact");
  ASSERT_TRUE(c);
  bool rotating = false;
  for (const auto& cred : c->credentials())
    if (cred.name == "refresh_token") rotating = cred.rotates && cred.secret;
  EXPECT_TRUE(rotating);
  const auto q = c->default_quota();
  EXPECT_EQ(q.daily_calls, 10000);
  EXPECT_EQ(q.time_zone, "UTC");
  EXPECT_EQ(q.windows, (std::vector<std::pair<int, int>>{{4, 1}}));
}

} // namespace
} // namespace quarry::connectors
