#include "connectors/marketo/bulk_export.hpp"

#include "connectors/core/sha256.hpp"

#include <algorithm>
#include <optional>
#include <thread>

namespace quarry::connectors::marketo {
namespace {

using nlohmann::json;

std::string first_status(const json& body, json* out) {
  if (!body.contains("result") || !body["result"].is_array() || body["result"].empty() ||
      !body["result"][0].is_object())
    return {};
  if (out) *out = body["result"][0];
  return body["result"][0].value("status", std::string{});
}

} // namespace

json export_progress::to_json() const {
  return {{"id", id},           {"offset", at.offset}, {"line", at.line},
          {"after_cr", at.after_cr}, {"sha256", sha256}, {"header", header},
          {"rows", rows},       {"malformed", malformed}};
}

export_progress export_progress::from_json(const json& j) {
  export_progress p;
  if (!j.is_object()) return p;
  p.id = j.value("id", std::string{});
  p.at.offset = j.value("offset", std::int64_t{0});
  p.at.line = j.value("line", std::int64_t{1});
  p.at.after_cr = j.value("after_cr", false);
  p.sha256 = j.value("sha256", std::string{});
  p.header = j.value("header", std::vector<std::string>{});
  p.rows = j.value("rows", std::int64_t{0});
  p.malformed = j.value("malformed", std::int64_t{0});
  return p;
}

bulk_export::bulk_export(api& a, std::string entity, export_options options)
    : api_(a), entity_(std::move(entity)), options_(options) {}

std::string bulk_export::path(const std::string& id, const std::string& step) const {
  if (id.empty()) return "/bulk/v1/" + entity_ + "/export/" + step + ".json";
  return "/bulk/v1/" + entity_ + "/export/" + id + "/" + step + ".json";
}

quarry::error bulk_export::from_1029(const std::string& what, const api_error& e) const {
  const std::string text = "marketo " + what + ": 1029 " + e.message.substr(0, 160);
  if (e.message.find("quota") != std::string::npos) return make_error(error_kind::quota_exhausted, text);
  // "Too many jobs in queue": the task ends and is retried later.
  auto err = make_error(error_kind::rate_limited, text);
  err.retry_after_s = 300;
  return err;
}

result<created_export> bulk_export::create(const json& body) {
  auto res = api_.post(path("", "create"), body, {"1029", "1035"});
  if (!res) return std::move(res).error();
  const auto errors = api_errors(*res);
  if (!errors.empty() && res->value("success", true) == false) {
    if (errors.front().code == "1035") return created_export{"", true};
    return from_1029("POST " + path("", "create"), errors.front());
  }
  json job;
  first_status(*res, &job);
  const auto id = job.is_object() ? job.value("exportId", std::string{}) : std::string{};
  if (id.empty())
    return make_error(error_kind::bad_payload, "marketo POST " + path("", "create") +
                                                   ": no exportId in \"" + res->dump().substr(0, 120) + "\"");
  return created_export{id, false};
}

status bulk_export::enqueue(const std::string& id) {
  auto res = api_.post(path(id, "enqueue"), json::object(), {"1029"});
  if (!res) return std::move(res).error();
  const auto errors = api_errors(*res);
  if (!errors.empty() && res->value("success", true) == false) {
    if (errors.front().message.find("already") != std::string::npos) return {};  // queued before
    return from_1029("POST /bulk/v1/" + entity_ + "/export/{id}/enqueue.json", errors.front());
  }
  return {};
}

void bulk_export::cancel(const std::string& id) {
  (void)api_.post(path(id, "cancel"), json::object(), {"610", "1003"});
}

result<json> bulk_export::wait_completed(const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    if (api_.s().cancelled()) return make_error(error_kind::cancelled, "marketo export " + id + ": cancelled");
    auto res = api_.get(path(id, "status"));
    if (!res) return std::move(res).error();
    json job;
    const auto st = first_status(*res, &job);
    if (st == "Completed") return job;
    if (st == "Created") {
      if (auto e = enqueue(id); !e) return std::move(e).error();
    } else if (st == "Cancelled" || st == "Canceled" || st == "Failed") {
      return make_error(error_kind::retriable, "marketo " + entity_ + " export " + id + " " + st + ": " +
                                                   job.value("errorMsg", std::string{}).substr(0, 160));
    } else if (st.empty()) {
      return make_error(error_kind::bad_payload, "marketo " + entity_ + " export " + id +
                                                     ": no status in \"" + res->dump().substr(0, 120) + "\"");
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return make_error(error_kind::retriable, "marketo " + entity_ + " export " + id + " still " + st +
                                                   " after the export timeout");
    // Sleep on the worker thread, waking every 100 ms to honour cancellation.
    const auto wake = std::chrono::steady_clock::now() + options_.poll_interval;
    while (std::chrono::steady_clock::now() < wake) {
      if (api_.s().cancelled())
        return make_error(error_kind::cancelled, "marketo export " + id + ": cancelled");
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds{100}, wake - std::chrono::steady_clock::now()));
    }
  }
}

status bulk_export::download(const json& completed, export_progress& progress, const row_fn& on_row,
                             const progress_fn& on_checkpoint, const problem_fn& on_problem) {
  std::optional<hash::sha256> sha;
  if (progress.at.offset > 0) sha = hash::sha256::restore(progress.sha256);
  if (!sha || progress.header.empty()) {  // no usable resume point: from byte 0
    progress.at = {};
    progress.header.clear();
    progress.rows = 0;
    sha.emplace();
  }
  const std::int64_t start = progress.at.offset;

  csv::options opts;
  opts.start = progress.at;
  opts.expected_fields = progress.header.size();
  std::int64_t hashed = start, total = start, chunk_start = start;
  std::string_view chunk_now;
  auto hash_upto = [&](std::int64_t x) {
    if (x <= hashed) return;
    sha->update(chunk_now.substr(static_cast<std::size_t>(hashed - chunk_start),
                                 static_cast<std::size_t>(x - hashed)));
    hashed = x;
  };
  status failure;
  std::int64_t since = 0;
  csv::reader* rp = nullptr;
  csv::reader reader(
      opts,
      [&](const csv::row& r) {
        if (progress.header.empty()) {
          progress.header = r.fields;
          return true;
        }
        if (auto st = on_row(progress.header, r.fields, r.line); !st) {
          failure = std::move(st);
          return false;
        }
        ++progress.rows;
        if (++since >= options_.checkpoint_rows) {
          since = 0;
          progress.at = rp->position_now();
          hash_upto(progress.at.offset);
          progress.sha256 = sha->save();
          if (auto st = on_checkpoint(progress); !st) {
            failure = std::move(st);
            return false;
          }
        }
        return true;
      },
      [&](const csv::problem& p) {
        ++progress.malformed;
        if (on_problem) on_problem(p);
      });
  rp = &reader;

  // On resume: 'probe' checks the byte before `start` (a row end), 'skip'
  // drops a prefix a server sent again because it ignored Range.
  enum class mode { probe, skip, normal } m = start > 0 ? mode::probe : mode::normal;
  std::int64_t to_skip = 0;
  const std::function<bool(std::string_view)> on_chunk = [&](std::string_view chunk) {
    if (m == mode::probe && !chunk.empty()) {
      if (chunk.front() == '\n' || chunk.front() == '\r') {
        chunk.remove_prefix(1);
        m = mode::normal;
      } else {
        m = mode::skip;
        to_skip = start;
      }
    }
    if (m == mode::skip) {
      const auto n = std::min<std::int64_t>(to_skip, static_cast<std::int64_t>(chunk.size()));
      chunk.remove_prefix(static_cast<std::size_t>(n));
      to_skip -= n;
      if (to_skip == 0) m = mode::normal;
    }
    if (chunk.empty()) return true;
    chunk_now = chunk;
    chunk_start = total;
    const bool go_on = reader.feed(chunk);
    hash_upto(total + static_cast<std::int64_t>(chunk.size()));
    total += static_cast<std::int64_t>(chunk.size());
    return go_on && failure.ok() && !api_.s().cancelled();
  };
  const std::string id = progress.id;
  auto res = api_.download(path(id, "file"), start > 0 ? start - 1 : 0, on_chunk);
  if (!failure) return failure;
  if (!res) return std::move(res).error();
  reader.finish();
  if (!failure) return failure;
  progress.at = reader.position_now();

  const auto expected = completed.value("fileChecksum", std::string{});
  if (!expected.empty()) {
    std::string want = expected;
    if (want.rfind("sha256:", 0) == 0) want = want.substr(7);
    std::transform(want.begin(), want.end(), want.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto got = sha->hex_digest();
    if (got != want)
      return make_error(error_kind::bad_payload, "marketo " + entity_ + " export " + id +
                                                     ": checksum mismatch (file sha256:" + got +
                                                     ", status says " + expected.substr(0, 80) + ")");
  }
  return {};
}

} // namespace quarry::connectors::marketo
