#pragma once

// What the config validator knows about each source: its name and the
// credential fields an account of that source takes. Connectors own the
// truth; this description lets quarry_config check accounts without linking
// connectors/. The CLI may build the list from the connector registry;
// default_source_rules() mirrors the connectors quarry ships.

#include <string>
#include <string_view>
#include <vector>

namespace quarry::config {

struct credential_field {
  std::string name;
  bool required = true;
  // A secret field must be given as {"env": NAME} or {"file": PATH}; a plain
  // string there is rejected so that credentials never sit in the file.
  bool secret = false;
  // The source replaces the value as it is used (a rotating refresh token):
  // it must be given as {"file": PATH}, which quarry rewrites.
  bool rotates = false;
};

struct source_rules {
  std::string name;  // the value of /accounts/<n>/source
  std::vector<credential_field> credentials;
};

// synthetic, marketo, bronto, listrak, kustomer, constant_contact.
std::vector<source_rules> default_source_rules();

// The rules named `name`, or nullptr.
const source_rules* find_source(const std::vector<source_rules>& rules,
                                std::string_view name);

} // namespace quarry::config
