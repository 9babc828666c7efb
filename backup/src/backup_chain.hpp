#pragma once
// What the session keeps per open handle (handle_io) and per read call in flight (chain).
// Private to the session and its read operation (read_chain.cpp).

#include "jetstrand/backup/backup_session.hpp"

#include "backup_state.hpp"
#include "read_plan.hpp"

#include "jetstrand/io/file.hpp"

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

// A read operation suspended while its chunk is in the kernel, resumed by whichever comes
// first (see read_chain.cpp).
struct suspended_read {
  virtual ~suspended_read() = default;
  virtual void resume(boost::system::error_code ec, std::size_t got) = 0;
};

// One read call in flight. It holds its handle's file (and pin), so a read still in the
// kernel after close or end has its file and pages until it lands.
struct backup_session::chain {
  chain(std::uint32_t handle, std::string name, boost::asio::mutable_buffer buffer, read_plan plan,
        std::function<bool()> caller_cancelled, std::shared_ptr<handle_io> io, instance::executor_type strand)
      : handle(handle), name(std::move(name)), buffer(buffer), plan(plan),
        caller_cancelled(std::move(caller_cancelled)), io(std::move(io)), pacing(strand) {}

  std::uint32_t handle;
  std::string name;
  boost::asio::mutable_buffer buffer;  // the caller's
  read_plan plan;
  std::function<bool()> caller_cancelled;
  std::shared_ptr<handle_io> io;
  std::vector<unsigned char> chunk;  // the I/O lands here, never in the caller's buffer
  boost::asio::steady_timer pacing;  // a wait under the rate limit
  // The operation while a chunk is in the kernel or a rate-limit wait runs; empty once it
  // was resumed (by the chunk or the timer, or by stop() or end(), whichever came first).
  std::unique_ptr<suspended_read> waiting;

  void resume(boost::system::error_code ec, std::size_t got) {
    auto op = std::move(waiting);
    op->resume(ec, got);
  }
};

}  // namespace jetstrand::backup
