#pragma once

// What a process knows about the jobs it may run: each job's connector
// context (endpoint, credentials, selection), its topic prefix, and the quota
// actor of each account. Built once at startup from the config, then only
// read (shared by every worker thread without locks).

#include "connectors/core/session.hpp"
#include "proto/interfaces.hpp"

#include <map>
#include <string>

namespace quarry::actors {

struct job_entry {
  connectors::job_context context;
  std::string prefix;  // topic prefix of the job's outputs
};

class job_directory {
 public:
  void add_job(job_entry entry) { jobs_[entry.context.job] = std::move(entry); }
  void set_quota(const std::string& account, quota_actor quota) { quotas_[account] = std::move(quota); }

  const job_entry* find(const std::string& job) const {
    auto it = jobs_.find(job);
    return it == jobs_.end() ? nullptr : &it->second;
  }
  quota_actor quota_of(const std::string& account) const {
    auto it = quotas_.find(account);
    return it == quotas_.end() ? quota_actor{} : it->second;
  }
  const std::map<std::string, job_entry>& jobs() const { return jobs_; }
  const std::map<std::string, quota_actor>& quotas() const { return quotas_; }

 private:
  std::map<std::string, job_entry> jobs_;
  std::map<std::string, quota_actor> quotas_;
};

} // namespace quarry::actors
