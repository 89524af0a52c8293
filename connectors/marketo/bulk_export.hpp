#pragma once

// One Marketo bulk export job (leads or activities), from create to the last
// CSV row, resumable from a bookmark. The caller (marketo_connector.cpp,
// export_window) drives it; the bookmark holds the job id and the download
// position, so a retried task picks the job up where it was.
//
// Export job lifecycle:
//
//            create.json               enqueue.json
//   (none) -------------> [Created] -------------------> [Queued] ---> [Processing]
//     |                     ^    |  (a status poll that      |              |
//     |                     +----+   sees Created enqueues   v              v
//     |                              again)         [Cancelled], [Failed]  [Completed]
//     | create or enqueue:                           retriable: the caller    | numberOfRecords 0:
//     |   1029 queue full: rate_limited, 300 s       forgets the id and       |   nothing to fetch
//     |   1029 daily quota: quota_exhausted          creates a new job        v
//     |   1035 (leads by updatedAt): the caller      (3 attempts)       [downloading] file.json,
//     |     creates again by createdAt                                       |  streamed (Range on
//     v                                                                      |  resume); every N rows
//   task fails (the coordinator may retry it)                                |  a checkpoint: {id,
//                                                                            |  offset, line, sha256
//                                                                            |  state, header}
//                                                                            v
//                                                    (done) sha256 == fileChecksum
//
// The status is polled every poll_interval, sleeping on the worker thread
// (cancellable: error cancelled); still not Completed after `timeout`:
// retriable. A checksum mismatch, a file no longer kept (404; Marketo keeps
// files 7 days) or a bookmarked job Marketo no longer knows (status kept 30
// days): the caller forgets the job, and the window is exported again by a
// new one.
//
// Who owns what: a bulk_export belongs to one task on one worker thread. It
// holds no state between calls; what must survive a crash lives in
// export_progress, which the caller puts in its bookmark.

#include "connectors/core/csv_reader.hpp"
#include "connectors/marketo/marketo_api.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace quarry::connectors::marketo {

struct export_options {
  std::chrono::milliseconds poll_interval{60'000};  // Marketo updates status once a minute
  std::chrono::milliseconds timeout{3 * 3'600'000};
  std::int64_t checkpoint_rows = 5000;
};

// An export in flight, as kept in a bookmark (`to_json`/`from_json`).
struct export_progress {
  std::string id;
  csv::position at;               // the file is consumed up to here (row boundary)
  std::string sha256;             // hash state over bytes [0, at.offset)
  std::vector<std::string> header;
  std::int64_t rows = 0;          // data rows delivered so far
  std::int64_t malformed = 0;     // rows reported as malformed so far

  nlohmann::json to_json() const;
  static export_progress from_json(const nlohmann::json& j);
};

struct created_export {
  std::string id;
  bool filter_unsupported = false;  // 1035: the caller picks another filter
};

class bulk_export {
 public:
  // `entity`: "leads" or "activities".
  bulk_export(api& a, std::string entity, export_options options);

  result<created_export> create(const nlohmann::json& body);
  status enqueue(const std::string& id);
  // Best effort: a job no longer wanted stops holding a queue slot.
  void cancel(const std::string& id);
  // Polls until Completed and answers that status object (fileChecksum,
  // fileSize, numberOfRecords); enqueues a job still Created.
  result<nlohmann::json> wait_completed(const std::string& id);

  using row_fn = std::function<status(const std::vector<std::string>& header,
                                      const std::vector<std::string>& fields, std::int64_t line)>;
  using progress_fn = std::function<status(const export_progress&)>;
  using problem_fn = std::function<void(const csv::problem&)>;

  // Streams the file from progress.at: the header row fills progress.header
  // (on a fresh start), every other row goes to on_row, on_checkpoint gets
  // the progress every options.checkpoint_rows rows. Verifies fileChecksum
  // from `completed` at the end (bad_payload "checksum mismatch" otherwise).
  // A resumed download asks for the byte before progress.at (a row end) too:
  // a server that ignores Range is detected by it and the repeated prefix is
  // skipped.
  status download(const nlohmann::json& completed, export_progress& progress, const row_fn& on_row,
                  const progress_fn& on_checkpoint, const problem_fn& on_problem);

  std::string path(const std::string& id, const std::string& step) const;
  const std::string& entity() const { return entity_; }

 private:
  quarry::error from_1029(const std::string& what, const api_error& e) const;

  api& api_;
  std::string entity_;
  export_options options_;
};

} // namespace quarry::connectors::marketo
