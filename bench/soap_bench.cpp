// soap_bench: the XML half of the SOAP sources' hot path, without network or
// Kafka: a readContacts answer page of 5,000 Bronto contacts (every field the
// API offers: GeoIP, technology, RFM, engagement, lists, custom fields),
// parsed and turned into record JSON the way the connectors do it.
//
// Cases, each timed over --pages pages, --runs times, interleaved:
//   parse       soap::parse only (pugixml DOM of the page, envelope checks)
//   records     parse + soap::record_writer: one JSON text per contact and
//               its key, as handed to session::emit_serialized
//   dom         parse + an nlohmann::json object per contact, dumped: the
//               obvious way, for comparison
// Prints records/s and MB/s of XML (MB = 10^6 bytes), median and spread.

#include "connectors/core/soap.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

namespace jt = quarry::connectors::json_text;
using clock_type = std::chrono::steady_clock;

// One page as Bronto's readContactsResponse, deterministic.
std::string contacts_page(int contacts, int page) {
  std::string x =
      R"(<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>)"
      R"(<ns2:readContactsResponse xmlns:ns2="http://api.bronto.com/v4">)";
  char buf[2048];
  for (int i = 0; i < contacts; ++i) {
    const long id = static_cast<long>(page) * contacts + i;
    std::snprintf(
        buf, sizeof buf,
        "<return><id>0bc403ec0000000000000000000%09ld</id><email>user%ld@example.com</email>"
        "<mobileNumber>+1555%07ld</mobileNumber><status>active</status><msgPref>html</msgPref>"
        "<source>api</source><customSource>spring &amp; summer</customSource>"
        "<created>2016-12-30T10:11:12.000-05:00</created><modified>2017-01-01T01:02:03.000-05:00</modified>"
        "<deleted>false</deleted><listIds>0bbc03ec000000000000000000000003</listIds>"
        "<listIds>0bbc03ec000000000000000000000007</listIds>"
        "<fields><fieldId>0bc903ec000000000000000000000001</fieldId><content>Jane</content></fields>"
        "<fields><fieldId>0bc903ec000000000000000000000002</fieldId><content>Doe</content></fields>"
        "<numSends>%ld</numSends><numBounces>0</numBounces><numOpens>5</numOpens><numClicks>1</numClicks>"
        "<numConversions>0</numConversions><conversionAmount>12.5</conversionAmount>"
        "<readOnlyContactData><geoIPCity>Durham</geoIPCity><geoIPStateRegion>NC</geoIPStateRegion>"
        "<geoIPZip>27701</geoIPZip><geoIPCountry>United States</geoIPCountry><geoIPCountryCode>US</geoIPCountryCode>"
        "<primaryBrowser>Firefox</primaryBrowser><mobileBrowser>Safari</mobileBrowser>"
        "<primaryEmailClient>Thunderbird</primaryEmailClient><mobileEmailClient>iOS Mail</mobileEmailClient>"
        "<operatingSystem>Linux</operatingSystem><firstOrderDate>2016-01-02T00:00:00.000Z</firstOrderDate>"
        "<lastOrderDate>2016-11-02T00:00:00.000Z</lastOrderDate><lastOrderTotal>40.25</lastOrderTotal>"
        "<totalOrders>3</totalOrders><totalRevenue>120.75</totalRevenue><averageOrderValue>40.25</averageOrderValue>"
        "<lastDeliveryDate>2016-12-01T00:00:00.000Z</lastDeliveryDate><lastOpenDate>2016-12-02T00:00:00.000Z</lastOpenDate>"
        "<lastClickDate>2016-12-03T00:00:00.000Z</lastClickDate></readOnlyContactData></return>",
        id, id, id % 10000000, id % 50);
    x += buf;
  }
  return x + "</ns2:readContactsResponse></soap:Body></soap:Envelope>";
}

quarry::soap::record_writer contact_writer() {
  using quarry::soap::column;
  std::vector<column> c = {{"id"}, {"email"}, {"status"}, {"created"}, {"modified"},
                           {"deleted", jt::kind::boolean},
                           {"listIds", jt::kind::string, true},
                           {"fields", jt::kind::string, true},
                           {"readOnlyContactData", jt::kind::string, false, true}};
  for (const char* n : {"numSends", "numBounces", "numOpens", "numClicks", "numConversions", "totalOrders"})
    c.push_back({n, jt::kind::integer});
  for (const char* n : {"conversionAmount", "lastOrderTotal", "totalRevenue", "averageOrderValue"})
    c.push_back({n, jt::kind::number});
  return quarry::soap::record_writer(std::move(c));
}

struct sample {
  double seconds = 0;
  long records = 0;
  std::size_t json_bytes = 0;
};

sample run_case(const std::string& mode, const std::vector<std::string>& pages,
                const quarry::soap::record_writer& writer) {
  sample s;
  std::string record, key;
  const auto t0 = clock_type::now();
  for (const auto& page : pages) {
    auto a = quarry::soap::parse("bronto readContacts", page);
    if (!a) {
      std::fprintf(stderr, "%s\n", a.error().describe().c_str());
      std::exit(1);
    }
    if (mode == "parse") {
      for (auto r : quarry::soap::children(a->payload, "return")) (void)r, ++s.records;
      continue;
    }
    for (auto r : quarry::soap::children(a->payload, "return")) {
      ++s.records;
      if (mode == "records") {
        record.assign("{");
        writer.append_fields(record, r);
        quarry::soap::close_object(record);
        key.assign("{\"id\":");
        jt::append_string(key, quarry::soap::child_text(r, "id"));
        key += '}';
        s.json_bytes += record.size() + key.size();
      } else {
        nlohmann::json j = nlohmann::json::object();
        for (auto e : r.children()) {
          if (e.first_child() && e.first_child().type() == pugi::node_element) {
            nlohmann::json o = nlohmann::json::object();
            for (auto f : e.children()) o[f.name()] = f.text().get();
            j[e.name()].push_back(std::move(o));
          } else {
            j[e.name()] = e.text().get();
          }
        }
        const std::string text = j.dump();
        s.json_bytes += text.size();
      }
    }
  }
  s.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  return s;
}

} // namespace

int main(int argc, char** argv) {
  int contacts = 5000, page_count = 20, runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--contacts")) contacts = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--pages")) page_count = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: soap_bench [--contacts N] [--pages N] [--runs N]\n");
      return 2;
    }
  }
  std::vector<std::string> pages;
  std::size_t xml_bytes = 0;
  for (int p = 0; p < page_count; ++p) {
    pages.push_back(contacts_page(contacts, p));
    xml_bytes += pages.back().size();
  }
  std::printf("soap_bench: %d pages of %d contacts, %.1f MB of XML (%.0f bytes a contact)\n", page_count,
              contacts, xml_bytes / 1e6, static_cast<double>(xml_bytes) / (1.0 * page_count * contacts));
  const auto writer = contact_writer();
  const std::vector<std::string> modes = {"parse", "records", "dom"};
  std::vector<std::vector<double>> rates(modes.size());
  std::vector<std::size_t> json_bytes(modes.size());
  for (int r = 0; r < runs; ++r)
    for (std::size_t m = 0; m < modes.size(); ++m) {
      const sample s = run_case(modes[m], pages, writer);
      rates[m].push_back(s.records / s.seconds);
      json_bytes[m] = s.json_bytes;
    }
  std::printf("%-8s %14s %10s %10s %9s %12s\n", "case", "records/s", "min", "max", "XML MB/s", "us/record");
  for (std::size_t m = 0; m < modes.size(); ++m) {
    auto v = rates[m];
    std::sort(v.begin(), v.end());
    const double median = v[v.size() / 2];
    const double xml_per_record = static_cast<double>(xml_bytes) / (1.0 * page_count * contacts);
    std::printf("%-8s %14.0f %10.0f %10.0f %9.1f %12.2f\n", modes[m].c_str(), median, v.front(), v.back(),
                median * xml_per_record / 1e6, 1e6 / median);
  }
  return 0;
}
