#pragma once
// What the session keeps per open handle (handle_io) and per read call in flight (chain).
// Private to the session and its read operation (read_chain.cpp).

#include "backup_session.hpp"

#include "backup_state.hpp"
#include "read_plan.hpp"

#include "io/file.hpp"

#include <boost/asio/steady_timer.hpp>


namespace jetstrand::backup {

// What an open handle reads from: its file and, for a database, the pinned headers.
struct backup_session::handle_io {
  io::file file;
  file_kind kind;
  std::uint32_t page_size = 0;
  std::vector<unsigned char> headers;  // pages 0 and 1 of the pinned snapshot
  std::shared_ptr<pinned_database> pin;  // databases: kept pinned while this is read
};

// What wakes a read operation suspended in chain::waiting (see read_chain.cpp).
struct chain_event {
  enum kind_t { landed, verified, waited, woken } kind = woken;  // woken: by stop(), end() or close()
  std::size_t slot = 0;                                          // landed, verified
  boost::system::error_code ec;
  std::size_t got = 0;
  bool pages_ok = false;  // verified
};

// A read operation suspended until one of its chunks lands, its rate-limit wait ends, or
// stop() / end() wakes it, whichever comes first.
struct suspended_read {
  virtual ~suspended_read() = default;
  virtual void resume(chain_event e) = 0;
};

// One read call in flight. It holds its handle's file (and pin) and its chunk buffers, so
// reads still in the kernel after the call completed (a stop), a close or an end have their
// file, pages and memory until they land.
struct backup_session::chain {
  chain(std::uint32_t handle, std::string name, boost::asio::mutable_buffer buffer, read_plan plan,
        std::function<bool()> caller_cancelled, std::shared_ptr<handle_io> io, instance::executor_type strand,
        std::vector<unsigned char> chunks)
      : handle(handle), name(std::move(name)), buffer(buffer), plan(plan),
        caller_cancelled(std::move(caller_cancelled)), io(std::move(io)), chunks(std::move(chunks)),
        pacing(strand) {}

  std::uint32_t handle;
  std::string name;
  boost::asio::mutable_buffer buffer;  // the caller's
  read_plan plan;
  std::function<bool()> caller_cancelled;
  std::shared_ptr<handle_io> io;
  // plan.depth() chunk buffers of plan.chunk_capacity() bytes: the I/O lands here, never in
  // the caller's buffer. Back to the session's spares once nothing is in flight.
  std::vector<unsigned char> chunks;
  boost::asio::steady_timer pacing;  // a wait under the rate limit
  std::size_t outstanding = 0;       // reads in the kernel, checks off the strand, a rate-limit wait
  bool finished = false;             // the read call has completed
  // The operation while it is idle (every chunk in the kernel, or a wait); empty while it
  // runs and once it finished.
  std::unique_ptr<suspended_read> waiting;
  std::vector<chain_event> early;  // events that came while the operation ran

  unsigned char* chunk(std::size_t slot) { return chunks.data() + slot * plan.chunk_capacity(); }

  void resume(chain_event e) {
    if (finished) return;
    if (!waiting) return early.push_back(e);
    auto op = std::move(waiting);
    op->resume(e);
  }
};

}  // namespace jetstrand::backup
