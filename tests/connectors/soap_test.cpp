// connectors/core/soap: request envelopes, answers parsed defensively
// (malformed, truncated, DOCTYPE with an entity bomb or an external entity,
// wrong envelope), faults read once, and XML records written as JSON text.

#include "connectors/core/soap.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace quarry::soap {
namespace {

using nlohmann::json;
namespace jt = connectors::json_text;

std::string wrap(const std::string& body_xml) {
  return R"(<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>)" +
         body_xml + "</soap:Body></soap:Envelope>";
}

const std::string fault_103 = wrap(
    R"(<soap:Fault><faultcode>soap:Server</faultcode><faultstring>103: Your session is invalid. Please log in again.</faultstring>)"
    R"(<detail><ns2:ApiException xmlns:ns2="http://api.bronto.com/v4"><errorCode>103</errorCode></ns2:ApiException></detail></soap:Fault>)");

TEST(soap_envelope, writes_header_and_body_with_escaped_text) {
  envelope e{{"v4", "http://api.bronto.com/v4"}};
  e.header().open("v4:sessionHeader").leaf("sessionId", "a<b&c").close();
  e.body().open("v4:readContacts").leaf("pageNumber", "1").open("filter").leaf("type", "AND");
  const std::string text = e.str();
  EXPECT_EQ(text,
            R"(<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:v4="http://api.bronto.com/v4">)"
            R"(<soapenv:Header><v4:sessionHeader><sessionId>a&lt;b&amp;c</sessionId></v4:sessionHeader></soapenv:Header>)"
            R"(<soapenv:Body><v4:readContacts><pageNumber>1</pageNumber><filter><type>AND</type></filter></v4:readContacts></soapenv:Body></soapenv:Envelope>)");
  // What we write, we can read.
  auto a = parse("test", text);
  ASSERT_TRUE(a.ok()) << a.error().describe();
  EXPECT_EQ(local_name(a->payload), "readContacts");
  EXPECT_EQ(child_text(child(a->payload, "filter"), "type"), "AND");
}

TEST(soap_envelope, default_namespace_on_an_operation) {
  envelope e;
  e.body().open("GetContactListCollection", "http://webservices.listrak.com/v31/");
  EXPECT_NE(e.str().find(R"(<GetContactListCollection xmlns="http://webservices.listrak.com/v31/"></GetContactListCollection>)"),
            std::string::npos);
}

TEST(soap_parse, finds_the_payload_whatever_the_prefixes) {
  auto a = parse("bronto readLists",
                 wrap(R"(<ns2:readListsResponse xmlns:ns2="http://api.bronto.com/v4"><return><id>1</id></return><return><id>2</id></return></ns2:readListsResponse>)"));
  ASSERT_TRUE(a.ok()) << a.error().describe();
  EXPECT_FALSE(a->fault);
  int n = 0;
  for (auto r : children(a->payload, "return")) n += std::stoi(std::string{child_text(r, "id")});
  EXPECT_EQ(n, 3);
}

TEST(soap_parse, reads_a_fault_with_its_detail_code) {
  auto a = parse("bronto readContacts", fault_103);
  ASSERT_TRUE(a.ok()) << a.error().describe();
  ASSERT_TRUE(a->fault);
  EXPECT_EQ(a->fault->code, "soap:Server");
  EXPECT_EQ(a->fault->detail, "103");
  EXPECT_EQ(describe(*a->fault), "SOAP fault soap:Server: 103: Your session is invalid. Please log in again.");
}

TEST(soap_parse, hostile_or_broken_answers_are_bad_payload_naming_the_operation) {
  struct row {
    const char* name;
    std::string body;
    const char* why;
  };
  const std::string whole = wrap("<ns2:readContactsResponse xmlns:ns2=\"x\"><return><id>1</id></return></ns2:readContactsResponse>");
  const row rows[] = {
      {"malformed", wrap("<ns2:readContactsResponse><return></ns2:readContactsResponse>"), "not well formed"},
      {"truncated", whole.substr(0, whole.size() / 2), "not well formed"},
      {"entity bomb",
       R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">)"
       R"(<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>)" +
           wrap("<r>&lol3;</r>").substr(21),
       "DOCTYPE"},
      {"external entity",
       R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>)" + wrap("<r>&xxe;</r>").substr(21),
       "DOCTYPE"},
      {"not an envelope", "<html><body>Service Unavailable</body></html>", "not a SOAP envelope"},
      {"SOAP 1.2", R"(<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>)", "SOAP 1.2"},
      {"no body", R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>)", "no Body"},
      {"empty", "", "not well formed"},
      {"JSON", R"({"error":"internal_error"})", "not well formed"},
  };
  for (const row& x : rows) {
    SCOPED_TRACE(x.name);
    auto a = parse("bronto readContacts", x.body);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().kind, error_kind::bad_payload);
    EXPECT_EQ(a.error().message.rfind("bronto readContacts: ", 0), 0u) << a.error().message;
    EXPECT_NE(a.error().message.find(x.why), std::string::npos) << a.error().message;
    EXPECT_LT(a.error().message.size(), 300u) << "the excerpt is short";
  }
}

TEST(soap_classifier, a_fault_goes_to_the_reader_and_other_500s_are_retriable) {
  http::request req = request("http://127.0.0.1:1/v4", "bronto readContacts", "<x/>");
  EXPECT_EQ(req.also_accept, std::vector<long>{500});
  EXPECT_EQ(req.max_response_bytes, max_answer_bytes);
  std::string seen;
  const auto c = classifier("bronto readContacts", [&](const fault& f) -> std::optional<error> {
    seen = f.detail;
    if (f.detail == "116") return std::nullopt;
    return make_error(error_kind::auth_expired, describe(f));
  });
  http::response res;
  res.status = 500;
  res.body = fault_103;
  auto e = c(req, res);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, error_kind::auth_expired);
  EXPECT_EQ(seen, "103");

  res.body = wrap("<soap:Fault><faultcode>soap:Server</faultcode><faultstring>116: End of result set</faultstring>"
                  "<detail><ApiException><errorCode>116</errorCode></ApiException></detail></soap:Fault>");
  EXPECT_FALSE(c(req, res)) << "116 passes through to the caller";

  res.body = R"({"error":"internal_error"})";
  auto outage = c(req, res);
  ASSERT_TRUE(outage);
  EXPECT_EQ(outage->kind, error_kind::retriable);
  EXPECT_NE(outage->message.find("internal_error"), std::string::npos);

  res.status = 200;
  res.body = "anything";
  EXPECT_FALSE(c(req, res)) << "2xx answers are the caller's";
}

// A record element written through record_writer, as a parsed JSON object.
json write(const record_writer& w, const std::string& record_xml,
           const std::vector<std::string>* selected = nullptr) {
  auto a = parse("test", wrap("<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">" + record_xml + "</r>"));
  EXPECT_TRUE(a.ok());
  std::string out = "{";
  w.append_fields(out, a->payload, selected);
  close_object(out);
  auto j = json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  return j;
}

TEST(record_writer, types_columns_and_keeps_what_it_does_not_know) {
  const record_writer w({{"id"},
                         {"numSends", jt::kind::integer},
                         {"deleted", jt::kind::boolean},
                         {"conversionAmount", jt::kind::number},
                         {"listIds", jt::kind::string, true},
                         {"fields", jt::kind::string, true},
                         {"readOnlyContactData", jt::kind::string, false, true},
                         {"geoIPCity"},
                         {"lastOpenDate"}});
  const json j = write(w,
                       "<id>c1</id><numSends>12</numSends><deleted>false</deleted><conversionAmount>1.5</conversionAmount>"
                       "<listIds>l1</listIds><listIds>l2</listIds>"
                       "<fields><fieldId>f1</fieldId><content>Jane &amp; \"Co\"</content></fields>"
                       "<readOnlyContactData><geoIPCity>Paris</geoIPCity><lastOpenDate xsi:nil=\"true\"/></readOnlyContactData>"
                       "<surprise>kept</surprise><tags>a</tags><tags>b</tags>");
  EXPECT_EQ(j, json({{"id", "c1"},
                     {"numSends", 12},
                     {"deleted", false},
                     {"conversionAmount", 1.5},
                     {"listIds", {"l1", "l2"}},
                     {"fields", {{{"fieldId", "f1"}, {"content", "Jane & \"Co\""}}}},
                     {"geoIPCity", "Paris"},
                     {"lastOpenDate", nullptr},
                     {"surprise", "kept"},
                     {"tags", {"a", "b"}}}));
  // Repeated columns are present (empty) even when the record has none.
  EXPECT_EQ(write(w, "<id>c2</id>"), json({{"id", "c2"}, {"listIds", json::array()}, {"fields", json::array()}}));
}

TEST(record_writer, writes_only_the_selected_top_level_fields) {
  const record_writer w({{"id"}, {"numSends", jt::kind::integer}, {"listIds", jt::kind::string, true},
                         {"readOnlyContactData", jt::kind::string, false, true}});
  const std::vector<std::string> selected{"id", "geoIPCity"};
  EXPECT_EQ(write(w, "<id>c1</id><numSends>3</numSends><listIds>l1</listIds>"
                     "<readOnlyContactData><geoIPCity>Oslo</geoIPCity><geoIPZip>0150</geoIPZip></readOnlyContactData>",
                  &selected),
            json({{"id", "c1"}, {"geoIPCity", "Oslo"}}));
}

TEST(record_writer, invalid_utf8_and_control_characters_stay_valid_json) {
  const record_writer w({{"name"}});
  const json j = write(w, std::string("<name>a\xff") + "b&#x9;c</name>");
  EXPECT_EQ(j["name"], "a\xEF\xBF\xBD" "b\tc");
}

} // namespace
} // namespace quarry::soap
