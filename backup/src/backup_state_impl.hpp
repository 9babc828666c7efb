#pragma once
// The template members of backup_state (open, log_info).

#include "jetstrand/error.hpp"

namespace jetstrand::backup {

template <typename Lookup>
boost::system::error_code backup_state::open(std::string_view name, Lookup&& lookup,
                                             std::uint32_t& handle) {
  if (auto ec = usable()) return ec;
  if (!valid_file_name(name)) return jet_errc::invalid_parameter;
  std::optional<file_lookup> found = lookup(name);
  if (found && found->kind == file_kind::database && in_log_phase()) {
    return jet_errc::invalid_backup_sequence;
  }
  // A log is part of this backup only inside the fixed copy range.
  if (found && found->kind == file_kind::log &&
      (!log_info_done_ || found->generation < gen_low_ || found->generation >= gen_high_)) {
    if (!log_info_done_) return jet_errc::invalid_backup_sequence;
    found.reset();
  }
  if (!found) return jet_errc::file_not_found;
  if (handles_.size() >= max_open_) return jet_errc::out_of_file_handles;
  handle = next_handle_++;
  handles_[handle] = open_file{std::string(name), found->kind, found->size, 0, found->generation};
  return {};
}

template <typename Roll>
boost::system::error_code backup_state::log_info(Roll&& roll) {
  if (auto ec = check_log_info()) return ec;
  if (!log_info_done_) {
    std::uint32_t high = roll();
    gen_high_ = high;
    if (gen_low_ > gen_high_) gen_low_ = gen_high_;
    log_info_done_ = true;
  }
  return {};
}

}  // namespace jetstrand::backup
