#include "read_plan.hpp"

#include "jetstrand/error.hpp"

#include <boost/asio/error.hpp>

#include <algorithm>

namespace jetstrand::backup {

const char* to_string(read_action_kind k) noexcept {
  switch (k) {
    case read_action_kind::copy_headers: return "copy_headers";
    case read_action_kind::read: return "read";
    case read_action_kind::wait: return "wait";
    case read_action_kind::verify: return "verify";
    case read_action_kind::deliver: return "deliver";
    case read_action_kind::finish: return "finish";
  }
  return "unknown";
}

read_action read_plan::finish(boost::system::error_code ec) noexcept {
  last_ = {read_action_kind::finish, 0, 0, ec, {}, false};
  return last_;
}

read_action read_plan::next(std::uint64_t position, read_signals s) noexcept {
  if (s.stopping) return finish(jet_errc::backup_abort_by_server);
  const auto left_in_file = file_.size > position ? file_.size - position : 0;
  const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_size_ - delivered_, left_in_file));
  if (want == 0) return finish({});  // a cancellation that came too late changes nothing
  if (s.cancelled) return finish(boost::asio::error::operation_aborted);
  if (file_.database && position < file_.header_bytes) {
    last_ = {read_action_kind::copy_headers, position,
             static_cast<std::size_t>(std::min<std::uint64_t>(want, file_.header_bytes - position)), {}, {}, false};
    return last_;
  }
  std::size_t n = std::min(want, chunk_size_);
  if (file_.database) n = std::max<std::size_t>(file_.page_size, n / file_.page_size * file_.page_size);
  last_ = {read_action_kind::read, position, n, {}, {}, false};
  return last_;
}

read_action read_plan::start(std::uint64_t position, read_signals s) noexcept { return next(position, s); }

read_action read_plan::copied(std::uint64_t position, read_signals s) noexcept {
  delivered_ += last_.size;
  if (last_.kind == read_action_kind::deliver) attempts_ = 0;
  return next(position, s);
}

read_action read_plan::landed(read_signals s, boost::system::error_code ec, std::size_t got) noexcept {
  if (s.stopping) return finish(jet_errc::backup_abort_by_server);  // dropped unverified (S7)
  if (ec == boost::asio::error::operation_aborted) {
    // The file layer reports a cancellation only after the I/O: decide again from where the
    // chunk was to be read (the caller's cancellation ends the call there).
    return next(last_.offset, s);
  }
  if (ec) return finish(ec);
  if (got != last_.size) return finish(jet_errc::disk_io);  // the file is shorter than it was
  last_.kind = file_.database ? read_action_kind::verify : read_action_kind::deliver;
  return last_;
}

read_action read_plan::pace(std::chrono::nanoseconds delay) noexcept {
  last_.kind = read_action_kind::wait;
  last_.delay = delay;
  return last_;
}

read_action read_plan::waited(read_signals s) noexcept {
  if (s.stopping) return finish(jet_errc::backup_abort_by_server);
  if (s.cancelled) return finish(boost::asio::error::operation_aborted);
  last_.kind = read_action_kind::read;
  last_.delay = {};
  last_.paced = true;
  return last_;
}

read_action read_plan::verified(read_signals s, bool pages_ok) noexcept {
  if (s.stopping) return finish(jet_errc::backup_abort_by_server);
  if (!pages_ok) {
    // A page torn by a write in progress reads right the next time; one that stays wrong
    // is damaged.
    if (++attempts_ >= read_attempts) return finish(jet_errc::read_verify_failure);
    last_.kind = read_action_kind::read;
    last_.paced = false;  // a read again counts against the limit again
    return last_;
  }
  last_.kind = read_action_kind::deliver;
  return last_;
}

}  // namespace jetstrand::backup
