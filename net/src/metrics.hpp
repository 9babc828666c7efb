#pragma once
// The endpoint's Prometheus metrics (GET /metrics). Thread-safe: sessions on any strand
// record into it.
//
//   jetstrand_http_requests_total{route,status}     requests answered, by route template
//   jetstrand_http_connections_open                 connections now open
//   jetstrand_backup_bytes_sent_total               backup file bytes sent to clients
//   jetstrand_backups_total{result}                 backups ended, completed or aborted
//   jetstrand_backup_stop_to_abort_seconds          from a stop request to each download it
//                                                   ended (histogram)
//   jetstrand_backup_last_completed_timestamp_seconds{instance}
//                                                   Unix time of the last completed backup
//   jetstrand_http_auth_refused_total               requests refused for a missing/wrong token
//   jetstrand_commits_total{instance}               engine figures, read when rendered
//   jetstrand_log_flushes_total{instance}
//   jetstrand_cache_bytes{instance}, jetstrand_cache_budget_bytes{instance},
//   jetstrand_cache_hits_total{instance}, jetstrand_cache_misses_total{instance}
//   jetstrand_cache_reads_total{instance,how}       misses read: how="os_cache" (held by
//                                                   the OS page cache, read in the same
//                                                   strand turn) or how="waited"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace jetstrand::net {

class metrics {
 public:
  using clock = std::chrono::steady_clock;

  void request(const std::string& route, unsigned status);
  void connection_opened();
  void connection_closed();
  void bytes_sent(std::uint64_t n);
  void backup_ended(const std::string& instance, bool completed);
  void auth_refused();

  // A stop was requested for `instance` now; downloads it ends report against this time.
  void stop_requested(const std::string& instance);
  // A download of `instance` ended because of a stop.
  void download_stopped(const std::string& instance);

  // An instance's engine figures, as of the render.
  struct instance_figures {
    std::string name;
    std::uint64_t commits = 0;
    std::uint64_t log_flushes = 0;
    std::uint64_t cache_bytes = 0;
    std::uint64_t cache_budget = 0;
    std::uint64_t cache_hits = 0;
    std::uint64_t cache_misses = 0;
    std::uint64_t cache_reads_os_cached = 0;
    std::uint64_t cache_reads_waited = 0;
    std::uint64_t spilled_pages = 0;
  };
  std::string render(const std::vector<instance_figures>& instances) const;  // Prometheus text 0.0.4

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests_;
  std::int64_t connections_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t completed_ = 0, aborted_ = 0;
  std::uint64_t auth_refused_ = 0;
  std::map<std::string, double> last_completed_;  // Unix seconds, by instance
  std::map<std::string, clock::time_point> stops_;
  std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(bucket_bounds().size(), 0);
  std::uint64_t observations_ = 0;
  double seconds_sum_ = 0;

  static const std::vector<double>& bucket_bounds();
};

}  // namespace jetstrand::net
