#include "connectors/kustomer/kustomer_api.hpp"

#include "connectors/kustomer/kustomer_streams.hpp"

#include <algorithm>

namespace quarry::connectors::kustomer {

using nlohmann::json;

result<std::string> api_base(const job_context& job) {
  if (!job.endpoint.empty()) return job.endpoint;
  const auto region = job.settings.is_object() ? job.settings.value("region", "us") : std::string("us");
  if (region == "us") return std::string("https://api.kustomerapp.com");
  if (region == "eu") return std::string("https://api.prod2.kustomerapp.com");
  return make_error(error_kind::fatal, "kustomer: settings.region must be \"us\" or \"eu\", got \"" + region + "\"");
}

std::int64_t search_depth::capacity() const { return std::min(hits / page_size, pages) * page_size; }

result<search_depth> read_search_depth(const job_context& job) {
  search_depth out;
  const auto& st = job.settings;
  if (!st.is_object()) return out;
  if (st.contains("page_size")) {
    const auto& v = st["page_size"];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 500)
      return make_error(error_kind::fatal, "kustomer: settings.page_size must be an integer in 1..500");
    out.page_size = v.get<int>();
  }
  if (st.contains("search_depth")) {
    const auto& v = st["search_depth"];
    if (!v.is_number_integer() || v.get<std::int64_t>() < out.page_size)
      return make_error(error_kind::fatal,
                        "kustomer: settings.search_depth must be an integer of at least page_size (" +
                            std::to_string(out.page_size) + ")");
    out.hits = v.get<std::int64_t>();
  }
  return out;
}

http::request make_request(session& s, const std::string& base, std::string method, std::string_view path,
                           const std::string& query) {
  http::request req;
  req.method = std::move(method);
  req.url = base + std::string(path) + "?" + query;
  req.describe = req.method + " " + std::string(path);
  req.headers = {{"Authorization", "Bearer " + s.job().credential("api_key")}, {"Accept", "application/json"}};
  return req;
}

result<page> read_page(const http::request& req, const http::response& res) {
  page out;
  out.body = json::parse(res.body, nullptr, false);
  if (out.body.is_discarded() || !out.body.is_object() || !out.body.contains("data") || !out.body["data"].is_array())
    return make_error(error_kind::bad_payload, req.describe + ": expected a JSON object with a data array, got \"" +
                                                   res.body.substr(0, 120) + "\"");
  const auto links = out.body.find("links");
  out.last = links == out.body.end() || !links->is_object() || !links->contains("next") || (*links)["next"].is_null();
  if (const auto meta = out.body.find("meta"); meta != out.body.end() && meta->is_object())
    if (const auto total = meta->find("total"); total != meta->end() && total->is_number_integer())
      out.total = total->get<std::int64_t>();
  return out;
}

result<page> fetch(session& s, const http::request& req) {
  auto res = s.call(req);
  if (!res) return std::move(res).error();
  return read_page(req, *res);
}

result<record_time> read_time(std::string_view stream, const json& wire, std::string_view name) {
  const auto id = wire.is_object() ? wire.find("id") : wire.end();
  const auto attributes = wire.is_object() ? wire.find("attributes") : wire.end();
  if (id != wire.end() && id->is_string() && attributes != wire.end() && attributes->is_object()) {
    const auto at = attributes->find(name);
    if (at != attributes->end() && at->is_string())
      if (const auto t = parse_instant(at->get<std::string>())) return record_time{id->get<std::string>(), instant::from_ms(t->ms())};
  }
  const auto shown = id != wire.end() && id->is_string() ? id->get<std::string>() : wire.dump().substr(0, 80);
  return make_error(error_kind::bad_payload, std::string(stream) + ": record " + shown + " has no readable id and attributes." +
                                                 std::string(name));
}

status emit_record(session& s, std::string_view stream, const json& wire) {
  auto record = stitch_record(wire);
  if (!record)
    return make_error(error_kind::bad_payload, std::string(stream) + ": not a Kustomer record: " + wire.dump().substr(0, 120));
  return s.emit(stream, *record);
}

} // namespace quarry::connectors::kustomer
