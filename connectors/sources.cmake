# The one list of sources. A source `foo` is:
#   connectors/foo/          its connector (every .cpp there is built;
#                            connectors/foo/foo_connector.hpp declares
#                            make_foo_connector())
#   sim/foo.cpp, sim/foo_*.cpp  its simulator, with sim/foo_command.cpp
#                            defining add_foo_command (`quarry sim foo`)
#   tests/foo/               its tests, foo_e2e_test among them
#   README.md                a "## Foo" section
# and one line here. connectors/, sim/ and tests/ include this file; CMake
# writes connectors/sources.hpp (the registry's table) and
# sim/simulators.hpp (the `quarry sim` subcommands) from it.
# tests/connectors/source_registry_test holds every vendor source to the rest.

# Sources for tests and benches: no vendor behind them.
set(QUARRY_TEST_SOURCES synthetic noop)
# SaaS sources, in the order `quarry` lists them.
set(QUARRY_VENDOR_SOURCES
  marketo
  bronto
  listrak
  kustomer
  constant_contact)

set(QUARRY_SOURCES ${QUARRY_TEST_SOURCES} ${QUARRY_VENDOR_SOURCES})
