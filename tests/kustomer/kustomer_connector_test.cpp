// The Kustomer connector against the simulator over real HTTP, through a
// session double that records what it emits and checkpoints: resuming from
// a bookmark in the middle of a tie group, bookmarks after every page, the
// region's host and the page_size setting refused when out of range.

#include "connectors/core/http_client.hpp"
#include "connectors/registry.hpp"
#include "sim/kustomer.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <set>

namespace quarry::connectors {
namespace {

using nlohmann::json;

class recording_session final : public session {
 public:
  explicit recording_session(job_context job) : job_(std::move(job)) {}
  const job_context& job() const override { return job_; }
  result<http::response> call(const http::request& req, const http::classifier& extra) override {
    ++calls;
    return client_.send(req, extra);
  }
  result<http::response> download(const http::request&, const std::function<bool(std::string_view)>&,
                                  const http::classifier&) override {
    return make_error(error_kind::fatal, "no downloads here");
  }
  status emit(std::string_view, const json& record) override {
    emitted.push_back(record);
    return {};
  }
  status checkpoint(const json& bookmark) override {
    bookmarks.push_back(bookmark);
    return {};
  }
  void spawn(task_spec) override {}
  void declare(const stream_descriptor&) override {}
  void warn(std::string_view) override {}
  void report_usage(std::int64_t) override {}
  bool cancelled() const override { return false; }

  int calls = 0;
  std::vector<json> emitted;
  std::vector<json> bookmarks;

 private:
  job_context job_;
  http::client client_;
};

job_context job_for(const sim::kustomer_simulator& s, json settings = json::object()) {
  job_context job;
  job.source = "kustomer";
  job.endpoint = s.base_url();
  job.start_date = "2020-01-01T00:00:00Z";
  job.credentials = {{"api_key", s.options().api_key}};
  job.settings = std::move(settings);
  return job;
}

task_spec customers_task(json bookmark = nullptr) {
  task_spec t;
  t.stream = "customers";
  t.bookmark = std::move(bookmark);
  return t;
}

TEST(kustomer_connector, resumes_inside_a_tie_group_after_its_bookmark_and_nothing_before_it) {
  sim::kustomer_options o;
  o.data.counts = {400, 0, 0, 0, 0, 1, 0, 0, 0};
  o.data.same_updated_at = 300;
  sim::kustomer_simulator s(o);
  s.start();
  const auto connector = make_connector("kustomer");
  httplib::Client c{"127.0.0.1", s.port()};
  const auto all = json::parse(c.Get("/_sim/dataset/customers")->body);  // by (updated_at, id)
  // The 151st record of the tie group, wherever the group starts.
  std::size_t first_tied = 0;
  while (all[first_tied]["updated_at"] != all[first_tied + 1]["updated_at"]) ++first_tied;
  const auto& mark = all[first_tied + 150];
  recording_session session(job_for(s, {{"page_size", 50}}));
  const auto st = connector->run(
      customers_task({{"updated_at", mark["updated_at"]}, {"id", mark["id"]}}), session);
  ASSERT_TRUE(st.ok()) << st.error().describe();
  ASSERT_EQ(session.emitted.size(), all.size() - (first_tied + 151));
  for (std::size_t i = 0; i < session.emitted.size(); ++i)
    ASSERT_EQ(session.emitted[i], all[first_tied + 151 + i]) << i;
  // A bookmark after every page that emitted, each the last record's pair.
  ASSERT_FALSE(session.bookmarks.empty());
  EXPECT_EQ(session.bookmarks.back(), (json{{"updated_at", all.back()["updated_at"]}, {"id", all.back()["id"]}}));
  EXPECT_GE(static_cast<int>(session.bookmarks.size()), session.calls - 2);
}

TEST(kustomer_connector, refuses_an_unknown_region_and_a_page_size_out_of_range) {
  sim::kustomer_options o;
  o.data.counts = {5, 0, 0, 0, 0, 1, 0, 0, 0};
  sim::kustomer_simulator s(o);
  s.start();
  const auto connector = make_connector("kustomer");
  auto job = job_for(s, {{"region", "mars"}});
  job.endpoint.clear();
  recording_session no_host(job);
  const auto region = connector->run(customers_task(), no_host);
  ASSERT_FALSE(region.ok());
  EXPECT_NE(region.error().message.find("settings.region"), std::string::npos);
  recording_session too_big(job_for(s, {{"page_size", 501}}));
  const auto size = connector->run(customers_task(), too_big);
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.error().kind, error_kind::fatal);
  EXPECT_EQ(too_big.calls, 0);
}

} // namespace
} // namespace quarry::connectors
