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
    case read_action_kind::idle: return "idle";
    case read_action_kind::finish: return "finish";
  }
  return "unknown";
}

read_plan::read_plan(read_file_facts file, std::uint64_t position, std::size_t buffer_size, std::size_t chunk_size,
                     std::size_t depth) noexcept
    : file_(file),
      chunk_size_(chunk_size),
      depth_(std::clamp<std::size_t>(depth, 1, max_depth)),
      position_(position),
      end_(position + std::min<std::uint64_t>(buffer_size, file.size > position ? file.size - position : 0)),
      issued_to_(file.database && position < file.header_bytes ? std::min(file.header_bytes, end_) : position) {
  // No more chunk buffers than this call can fill (the runner allocates depth() of them).
  const std::uint64_t chunks = (end_ - issued_to_ + chunk_capacity() - 1) / chunk_capacity();
  depth_ = std::clamp<std::size_t>(static_cast<std::size_t>(std::min<std::uint64_t>(depth_, chunks)), 1, max_depth);
}

std::size_t read_plan::chunk_capacity() const noexcept {
  if (!file_.database) return chunk_size_;
  return std::max<std::size_t>(file_.page_size, chunk_size_ / file_.page_size * file_.page_size);
}

std::size_t read_plan::in_flight() const noexcept {
  return static_cast<std::size_t>(std::count_if(chunks_.begin(), chunks_.end(), [](const chunk& c) {
    return c.state == slot_state::reading || c.state == slot_state::verifying || c.state == slot_state::pacing;
  }));
}

read_action read_plan::finish(boost::system::error_code ec) noexcept {
  read_action a;
  a.kind = read_action_kind::finish;
  a.error = ec;
  return a;
}

read_action read_plan::idle() noexcept {
  read_action a;
  a.kind = read_action_kind::idle;
  return a;
}

read_action read_plan::act(read_action_kind k, std::size_t slot) noexcept {
  read_action a;
  a.kind = k;
  a.slot = slot;
  a.offset = chunks_[slot].offset;
  a.size = chunks_[slot].size;
  return a;
}

read_action read_plan::next(read_signals s) noexcept {
  if (s.stopping) return finish(jet_errc::backup_abort_by_server);  // landed chunks are dropped (S7)
  if (position_ >= end_) return finish({});  // a cancellation that came too late changes nothing
  if (s.cancelled) return finish(boost::asio::error::operation_aborted);
  if (file_.database && position_ < file_.header_bytes) {
    copying_ = static_cast<std::size_t>(std::min(end_, file_.header_bytes) - position_);
    copying_headers_ = true;
    read_action a;
    a.kind = read_action_kind::copy_headers;
    a.offset = position_;
    a.size = copying_;
    return a;
  }
  if (used_ > 0) {
    if (head().state == slot_state::ready) {
      copying_ = head().size;
      copying_headers_ = false;
      return act(read_action_kind::deliver, head_);
    }
    if (head().state == slot_state::failed) return finish(head().error);
  }
  for (std::size_t i = 0; i < used_; ++i) {
    const std::size_t slot = (head_ + i) % depth_;
    if (chunks_[slot].state == slot_state::landed) {
      chunks_[slot].state = slot_state::verifying;
      return act(read_action_kind::verify, slot);
    }
  }
  if (pacing_) return idle();
  for (std::size_t i = 0; i < used_; ++i) {
    const std::size_t slot = (head_ + i) % depth_;
    auto& c = chunks_[slot];
    if (c.state == slot_state::to_read || c.state == slot_state::to_read_paced) {
      auto a = act(read_action_kind::read, slot);
      a.paced = c.state == slot_state::to_read_paced;
      c.state = slot_state::reading;
      last_read_ = slot;
      return a;
    }
  }
  if (used_ < depth_ && issued_to_ < end_) {
    const std::size_t slot = (head_ + used_) % depth_;
    ++used_;
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(end_ - issued_to_, chunk_size_));
    if (file_.database) n = std::max<std::size_t>(file_.page_size, n / file_.page_size * file_.page_size);
    chunks_[slot] = {slot_state::reading, issued_to_, n, 0, {}};
    issued_to_ += n;
    last_read_ = slot;
    return act(read_action_kind::read, slot);
  }
  return idle();
}

void read_plan::copied() noexcept {
  delivered_ += copying_;
  position_ += copying_;
  copying_ = 0;
  if (copying_headers_) return;
  head() = {};
  head_ = (head_ + 1) % depth_;
  --used_;
}

read_action read_plan::pace(std::chrono::nanoseconds delay) noexcept {
  auto& c = chunks_[last_read_];
  if (c.state != slot_state::reading) return idle();
  c.state = slot_state::pacing;
  pacing_ = true;
  auto a = act(read_action_kind::wait, last_read_);
  a.delay = delay;
  return a;
}

void read_plan::waited() noexcept {
  pacing_ = false;
  for (auto& c : chunks_) {
    if (c.state == slot_state::pacing) c.state = slot_state::to_read_paced;
  }
}

void read_plan::landed(std::size_t slot, boost::system::error_code ec, std::size_t got) noexcept {
  auto& c = chunks_[slot];
  if (c.state != slot_state::reading) return;
  if (ec == boost::asio::error::operation_aborted) {
    // The file layer reports a cancellation only after the I/O: read it again (the caller's
    // cancellation, if that was it, ends the call at the next step).
    c.state = slot_state::to_read;
  } else if (ec) {
    c.state = slot_state::failed;
    c.error = ec;
  } else if (got != c.size) {
    c.state = slot_state::failed;
    c.error = jet_errc::disk_io;  // the file is shorter than it was
  } else {
    c.state = file_.database ? slot_state::landed : slot_state::ready;
  }
}

void read_plan::verified(std::size_t slot, bool pages_ok) noexcept {
  auto& c = chunks_[slot];
  if (c.state != slot_state::verifying) return;
  if (pages_ok) {
    c.state = slot_state::ready;
  } else if (++c.bad_reads >= read_attempts) {
    // A page torn by a write in progress reads right the next time; one that stays wrong
    // is damaged.
    c.state = slot_state::failed;
    c.error = jet_errc::read_verify_failure;
  } else {
    c.state = slot_state::to_read;  // read again, and it costs its bytes again under a limit
  }
}

}  // namespace jetstrand::backup
