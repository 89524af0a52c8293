#include "connectors/registry.hpp"

#include "connectors/bronto/bronto_connector.hpp"
#include "connectors/constant_contact/constant_contact_connector.hpp"
#include "connectors/kustomer/kustomer_connector.hpp"
#include "connectors/listrak/listrak_connector.hpp"
#include "connectors/marketo/marketo_connector.hpp"
#include "connectors/noop/noop_connector.hpp"
#include "connectors/synthetic/synthetic_connector.hpp"

namespace quarry::connectors {
namespace {

// The one list: a new source is one line here (and its folder).
struct entry {
  const char* name;
  std::unique_ptr<connector> (*make)();
  bool vendor;  // a SaaS API (false: the synthetic source and noop, for tests and benches)
};

constexpr entry registered[] = {
    {"synthetic", [] { return make_synthetic_connector(); }, false},
    {"noop", [] { return make_noop_connector(); }, false},
    {"marketo", [] { return make_marketo_connector(); }, true},
    {"bronto", [] { return make_bronto_connector(); }, true},
    {"listrak", [] { return make_listrak_connector(); }, true},
    {"kustomer", [] { return make_kustomer_connector(); }, true},
    {"constant_contact", [] { return make_constant_contact_connector(); }, true},
};

} // namespace

std::vector<std::string> sources() {
  std::vector<std::string> out;
  for (const auto& e : registered) out.emplace_back(e.name);
  return out;
}

std::vector<std::string> vendor_sources() {
  std::vector<std::string> out;
  for (const auto& e : registered)
    if (e.vendor) out.emplace_back(e.name);
  return out;
}

std::unique_ptr<connector> make_connector(std::string_view source) {
  for (const auto& e : registered)
    if (source == e.name) return e.make();
  return nullptr;
}

} // namespace quarry::connectors
