#pragma once

// A running synthetic simulator and helpers to walk its pages.

#include "sim/synthetic.hpp"
#include "tests/sim/sim_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace quarry::sim::testing {

class synthetic_fixture : public ::testing::Test {
 protected:
  void start(synthetic_options options = {}) {
    sim_ = std::make_unique<synthetic_simulator>(std::move(options));
    sim_->start();
  }
  synthetic_simulator& sim() { return *sim_; }
  sim_client client() { return sim_client("127.0.0.1", sim_->port(), sim_->options().api_key); }

  nlohmann::json dataset(synthetic_dataset which) {
    return nlohmann::json::parse(sim_->dataset_json(which));
  }

  struct walk {
    std::vector<nlohmann::json> records;
    int pages = 0;
  };

  // Follows next_page_token from `first` (a path with its query) to the end.
  walk follow(const std::string& first) {
    walk out;
    auto c = client();
    std::string path = first;
    const char joiner = first.find('?') == std::string::npos ? '?' : '&';
    for (;;) {
      const reply r = c.get(path);
      if (r.status != 200 || !r.is_json()) {
        ADD_FAILURE() << path << " -> " << r.status << " " << r.body;
        return out;
      }
      ++out.pages;
      for (const auto& rec : r.json["data"]) out.records.push_back(rec);
      if (r.json["next_page_token"].is_null()) return out;
      path = first + joiner + "page_token=" + r.json["next_page_token"].get<std::string>();
      if (out.pages > 100000) {
        ADD_FAILURE() << "paging does not end";
        return out;
      }
    }
  }

 private:
  std::unique_ptr<synthetic_simulator> sim_;
};

} // namespace quarry::sim::testing
