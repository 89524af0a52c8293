#include "connectors/registry.hpp"

#include "connectors/bronto/bronto_connector.hpp"
#include "connectors/constant_contact/constant_contact_connector.hpp"
#include "connectors/kustomer/kustomer_connector.hpp"
#include "connectors/listrak/listrak_connector.hpp"
#include "connectors/marketo/marketo_connector.hpp"
#include "connectors/noop/noop_connector.hpp"
#include "connectors/synthetic/synthetic_connector.hpp"

namespace quarry::connectors {

std::vector<std::string> sources() { return {"synthetic", "noop", "marketo", "bronto", "listrak", "kustomer", "constant_contact"}; }

std::unique_ptr<connector> make_connector(std::string_view source) {
  if (source == "synthetic") return make_synthetic_connector();
  if (source == "noop") return make_noop_connector();
  if (source == "marketo") return make_marketo_connector();
  if (source == "bronto") return make_bronto_connector();
  if (source == "listrak") return make_listrak_connector();
  if (source == "kustomer") return make_kustomer_connector();
  if (source == "constant_contact") return make_constant_contact_connector();
  return nullptr;
}

} // namespace quarry::connectors
