#include "connectors/kustomer/kustomer_connector.hpp"

#include "connectors/core/boundary.hpp"
#include "connectors/core/paginator.hpp"
#include "connectors/kustomer/kustomer_api.hpp"
#include "connectors/kustomer/kustomer_search.hpp"
#include "connectors/kustomer/kustomer_streams.hpp"

namespace quarry::connectors {
namespace {

namespace ks = kustomer;

class kustomer_connector final : public connector {
 public:
  std::string_view source() const override { return "kustomer"; }
  std::vector<credential_rule> credentials() const override { return {{"api_key", true, true}}; }

  std::vector<setting_rule> settings() const override {
    return {
        choice_setting("region", {"us", "eu"}, "us",
                       "the account's pod (an explicit endpoint overrides it)"),
        integer_setting("page_size", 1, 500, 500, "records per page"),
        integer_setting("search_depth", 1, 1'000'000, 10'000,
                        "results one search can page through, at least page_size"),
    };
  }

  quota_defaults default_quota() const override {
    quota_defaults q;
    q.windows = {{1000, 60}};           // Enterprise plan; the account's quota overrides it
    q.scoped_windows = {{"search", {100, 60}}};  // API-key searches
    return q;
  }

  offline_catalog catalog() const override {
    offline_catalog out;
    out.streams = descriptors(ks::streams());
    return out;
  }

  status run(const task_spec& task, session& s) override {
    const auto* spec = find_stream(ks::streams(), task.stream);
    if (!spec) return make_error(error_kind::fatal, "kustomer: unknown stream " + task.stream);
    auto base = ks::api_base(s.job());
    if (!base) return std::move(base).error();
    auto depth = ks::read_search_depth(s.job());
    if (!depth) return std::move(depth).error();
    if (!spec->read.context.empty()) return ks::read_search(*spec, *depth, *base, task, s);
    return run_list(*spec, *base, task, s);
  }

 private:
  // A list has no filter: every run reads it whole and emits what the
  // boundary admits. Read in id order, not by time, it takes its bookmark
  // at the end of the scan only (a scan cut short starts again: what it
  // emitted was never committed).
  static status run_list(const ks::stream_spec& spec, const std::string& base, const task_spec& task, session& s) {
    auto b = boundary::resume(task.bookmark, "updated_at", s.job().start_date);
    if (!b) return make_error(b.error().kind, task.stream + ": " + b.error().message);
    const auto& read = spec.read;
    auto pages = paginator::page_number("kustomer GET " + std::string(read.path), read.page_size);
    for (;;) {
      if (s.cancelled()) return make_error(error_kind::cancelled, task.stream + ": cancelled");
      const auto req = ks::make_request(s, base, "GET", read.path,
                                        "page=" + std::to_string(pages.page()) + "&pageSize=" + std::to_string(read.page_size));
      auto p = ks::fetch(s, req);
      if (!p) return std::move(p).error();
      std::string first, last;
      for (const auto& wire : p->data()) {
        auto t = ks::read_time(task.stream, wire, "updatedAt");
        if (!t) return std::move(t).error();
        if (first.empty()) first = t->id;
        last = t->id;
        if (b->admit(t->at, t->id))
          if (auto st = ks::emit_record(s, task.stream, wire); !st) return st;
      }
      auto more = pages.next_page(p->data().size(), first.empty() ? std::string() : first + "/" + last, p->last);
      if (!more) return std::move(more).error();
      if (!*more) return s.checkpoint(b->bookmark());
    }
  }
};

} // namespace

std::unique_ptr<connector> make_kustomer_connector() { return std::make_unique<kustomer_connector>(); }

} // namespace quarry::connectors
