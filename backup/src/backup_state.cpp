#include "backup_state.hpp"

#include <algorithm>

namespace jetstrand::backup {

using boost::system::error_code;

bool backup_state::valid_file_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 128 || name == "." || name.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

error_code backup_state::usable() const {
  if (!open_) return jet_errc::no_backup;
  if (stopped_) return jet_errc::backup_abort_by_server;
  return {};
}

error_code backup_state::begin(unsigned flags, const begin_context& ctx) {
  switch (ctx.phase) {
    case instance_phase::running: break;
    case instance_phase::starting:
    case instance_phase::terminating: return jet_errc::backup_not_allowed_yet;
    case instance_phase::created:
    case instance_phase::terminated: return jet_errc::invalid_parameter;
  }
  if (flags & ~backup_incremental) return jet_errc::invalid_grbit;
  if (open_) return jet_errc::backup_in_progress;
  const bool incremental = flags & backup_incremental;
  if (incremental && !ctx.every_database_fully_backed_up) return jet_errc::missing_full_backup;
  open_ = true;
  stopped_ = false;
  incremental_ = incremental;
  log_info_done_ = false;
  gen_low_ = incremental ? ctx.last_backup_generation_high : ctx.checkpoint_generation;
  gen_high_ = 0;
  database_files_ = incremental ? std::vector<std::string>{} : ctx.database_files;
  handles_.clear();
  copied_.clear();
  copied_generations_.clear();
  return {};
}

error_code backup_state::attach_info() const {
  if (auto ec = usable()) return ec;
  if (incremental_) return jet_errc::invalid_backup_sequence;
  return {};
}

error_code backup_state::check_read(std::uint32_t handle, std::size_t buffer_size,
                                    std::size_t page_size) const {
  if (auto ec = usable()) return ec;
  auto it = handles_.find(handle);
  if (it == handles_.end()) return jet_errc::invalid_parameter;
  if (it->second.kind == file_kind::database && (buffer_size == 0 || buffer_size % page_size)) {
    return jet_errc::invalid_parameter;
  }
  return {};
}

void backup_state::note_read(std::uint32_t handle, std::size_t n) {
  auto it = handles_.find(handle);
  if (it != handles_.end()) it->second.position += n;
}

error_code backup_state::close(std::uint32_t handle) {
  if (!open_) return jet_errc::no_backup;  // allowed after a stop (S8)
  auto it = handles_.find(handle);
  if (it == handles_.end()) return jet_errc::invalid_parameter;
  if (it->second.position >= it->second.size) {
    copied_.insert(it->second.name);
    if (it->second.kind == file_kind::log) copied_generations_.insert(it->second.generation);
  }
  handles_.erase(it);
  return {};
}

error_code backup_state::truncate_log_info() const { return usable(); }

error_code backup_state::check_log_info() const {
  if (auto ec = usable()) return ec;
  if (!handles_.empty()) return jet_errc::invalid_backup_sequence;
  return {};
}

error_code backup_state::truncate_log() const {
  if (auto ec = usable()) return ec;
  if (!handles_.empty() || !log_info_done_) return jet_errc::invalid_backup_sequence;
  for (std::uint32_t g = gen_low_; g < gen_high_; ++g) {
    if (!copied_generations_.count(g)) return jet_errc::log_file_not_copied;
  }
  return {};
}

error_code backup_state::end(unsigned mode, end_result& result) {
  if (!open_) return jet_errc::no_backup;  // allowed after a stop (S8)
  if (mode != end_normal && mode != end_abort) return jet_errc::invalid_parameter;
  // A full backup that did not copy every database is no base for an incremental.
  const bool every_database_copied = std::all_of(
      database_files_.begin(), database_files_.end(), [&](const std::string& f) { return copied_.count(f) > 0; });
  const bool completed = mode == end_normal && !stopped_ && log_info_done_ && every_database_copied;
  result = completed ? end_result::completed : end_result::aborted;
  open_ = false;
  stopped_ = false;
  handles_.clear();
  return {};
}

void backup_state::stop() noexcept {
  if (open_) stopped_ = true;
}

const open_file* backup_state::file(std::uint32_t handle) const {
  auto it = handles_.find(handle);
  return it == handles_.end() ? nullptr : &it->second;
}

}  // namespace jetstrand::backup
