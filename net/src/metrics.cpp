#include "metrics.hpp"

#include <iomanip>
#include <sstream>

namespace jetstrand::net {

const std::vector<double>& metrics::bucket_bounds() {
  // Seconds: the abort is expected within microseconds to a few milliseconds.
  static const std::vector<double> bounds{0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                          0.0025,  0.005,   0.01,   0.05,    0.1,    1.0};
  return bounds;
}

void metrics::request(const std::string& route, unsigned status) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
}

void metrics::connection_opened() {
  std::lock_guard lock(mutex_);
  ++connections_;
}

void metrics::connection_closed() {
  std::lock_guard lock(mutex_);
  --connections_;
}

void metrics::bytes_sent(std::uint64_t n) {
  std::lock_guard lock(mutex_);
  bytes_sent_ += n;
}

void metrics::backup_ended(const std::string& instance, bool completed) {
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  ++(completed ? completed_ : aborted_);
  if (completed) last_completed_[instance] = now;
}

void metrics::auth_refused() {
  std::lock_guard lock(mutex_);
  ++auth_refused_;
}

void metrics::stop_requested(const std::string& instance) {
  std::lock_guard lock(mutex_);
  stops_[instance] = clock::now();
}

void metrics::download_stopped(const std::string& instance) {
  const auto now = clock::now();
  std::lock_guard lock(mutex_);
  auto it = stops_.find(instance);
  if (it == stops_.end()) return;
  const double s = std::chrono::duration<double>(now - it->second).count();
  const auto& bounds = bucket_bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (s <= bounds[i]) ++buckets_[i];
  }
  ++observations_;
  seconds_sum_ += s;
}

namespace {
std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

std::string metrics::render(const std::vector<instance_figures>& instances) const {
  std::lock_guard lock(mutex_);
  std::ostringstream o;
  o << "# HELP jetstrand_http_requests_total HTTP requests answered, by route and status.\n"
       "# TYPE jetstrand_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    o << "jetstrand_http_requests_total{route=\"" << escape_label(key.first) << "\",status=\""
      << key.second << "\"} " << n << "\n";
  }
  o << "# HELP jetstrand_http_connections_open HTTP connections now open.\n"
       "# TYPE jetstrand_http_connections_open gauge\n"
       "jetstrand_http_connections_open "
    << connections_ << "\n";
  o << "# HELP jetstrand_backup_bytes_sent_total Backup file bytes sent to clients.\n"
       "# TYPE jetstrand_backup_bytes_sent_total counter\n"
       "jetstrand_backup_bytes_sent_total "
    << bytes_sent_ << "\n";
  o << "# HELP jetstrand_backups_total Backups ended, by result.\n"
       "# TYPE jetstrand_backups_total counter\n"
       "jetstrand_backups_total{result=\"completed\"} "
    << completed_ << "\njetstrand_backups_total{result=\"aborted\"} " << aborted_ << "\n";
  o << "# HELP jetstrand_backup_stop_to_abort_seconds From a stop request to the end of each "
       "download it interrupted.\n"
       "# TYPE jetstrand_backup_stop_to_abort_seconds histogram\n";
  const auto& bounds = bucket_bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    o << "jetstrand_backup_stop_to_abort_seconds_bucket{le=\"" << bounds[i] << "\"} "
      << buckets_[i] << "\n";
  }
  o << "jetstrand_backup_stop_to_abort_seconds_bucket{le=\"+Inf\"} " << observations_ << "\n"
    << "jetstrand_backup_stop_to_abort_seconds_sum " << seconds_sum_ << "\n"
    << "jetstrand_backup_stop_to_abort_seconds_count " << observations_ << "\n";
  o << "# HELP jetstrand_backup_last_completed_timestamp_seconds Unix time of the last completed "
       "backup, by instance (since the server started).\n"
       "# TYPE jetstrand_backup_last_completed_timestamp_seconds gauge\n";
  o << std::fixed << std::setprecision(3);
  for (const auto& [name, t] : last_completed_) {
    o << "jetstrand_backup_last_completed_timestamp_seconds{instance=\"" << escape_label(name) << "\"} " << t << "\n";
  }
  o << std::defaultfloat;
  o << "# HELP jetstrand_http_auth_refused_total Requests refused for a missing or wrong token.\n"
       "# TYPE jetstrand_http_auth_refused_total counter\n"
       "jetstrand_http_auth_refused_total "
    << auth_refused_ << "\n";
  o << "# HELP jetstrand_commits_total Transactions committed, by instance.\n"
       "# TYPE jetstrand_commits_total counter\n";
  for (const auto& i : instances) {
    o << "jetstrand_commits_total{instance=\"" << escape_label(i.name) << "\"} " << i.commits << "\n";
  }
  o << "# HELP jetstrand_log_flushes_total Log fdatasyncs (group commit and lazy commits share them), by instance.\n"
       "# TYPE jetstrand_log_flushes_total counter\n";
  for (const auto& i : instances) {
    o << "jetstrand_log_flushes_total{instance=\"" << escape_label(i.name) << "\"} " << i.log_flushes << "\n";
  }
  auto per_instance = [&](const char* name, const char* type, const char* help, auto field) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    for (const auto& i : instances) o << name << "{instance=\"" << escape_label(i.name) << "\"} " << i.*field << "\n";
  };
  per_instance("jetstrand_cache_bytes", "gauge", "Page cache bytes held (pages and their bookkeeping), by instance.",
               &instance_figures::cache_bytes);
  per_instance("jetstrand_cache_budget_bytes", "gauge", "The instance's share of the page cache budget.",
               &instance_figures::cache_budget);
  per_instance("jetstrand_cache_hits_total", "counter", "Page lookups found in the cache.", &instance_figures::cache_hits);
  per_instance("jetstrand_cache_misses_total", "counter", "Page lookups that read the disk.", &instance_figures::cache_misses);
  per_instance("jetstrand_spilled_pages_total", "counter",
               "Dirty leaves written between checkpoints so the cache could evict them (no sync).",
               &instance_figures::spilled_pages);
  o << "# HELP jetstrand_cache_reads_total Pages read on a miss, by instance and how: os_cache (the OS page cache "
       "held it: read in the same strand turn) or waited (read through the file layer).\n"
       "# TYPE jetstrand_cache_reads_total counter\n";
  for (const auto& i : instances) {
    const auto label = escape_label(i.name);
    o << "jetstrand_cache_reads_total{instance=\"" << label << "\",how=\"os_cache\"} " << i.cache_reads_os_cached << "\n"
      << "jetstrand_cache_reads_total{instance=\"" << label << "\",how=\"waited\"} " << i.cache_reads_waited << "\n";
  }
  return o.str();
}

}  // namespace jetstrand::net
