// A read call as a composed operation (async_compose) on the instance's strand: it carries
// out what its read_plan says, one action at a time, and owns no decision itself.
//
// The stop path ends here. While a chunk is in the kernel the operation waits in
// chain::waiting; whichever comes first resumes it: the chunk landing, or stop() / end()
// (backup_session.cpp), which resume it at once with the stop in force, so the plan finishes
// it with -801 and the bytes it delivered. A chunk that lands after that lands in the
// chain's own buffer and is dropped: nobody waits for the disk.
#include "jetstrand/backup/backup_session.hpp"

#include "backup_chain.hpp"
#include "backup_state.hpp"
#include "rate_limiter.hpp"
#include "storage/page.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/compose.hpp>

#include <cstring>

namespace jetstrand::backup {

using boost::system::error_code;

namespace {
template <typename Self>
struct suspended : suspended_read {
  explicit suspended(Self&& s) : self(std::move(s)) {}
  void resume(error_code ec, std::size_t got) override { self(ec, got); }
  Self self;
};
}  // namespace

struct backup_session::read_chain_op {
  backup_session& s;
  std::shared_ptr<chain> c;

  // Stopped, a stop requested, or the handle gone (closed, or the backup ended).
  read_signals signals() const {
    return {s.stopping() || !s.state_->file(c->handle), c->caller_cancelled()};
  }
  std::uint64_t position() const {
    const auto* f = s.state_->file(c->handle);
    return f ? f->position : 0;
  }
  unsigned char* out() const { return static_cast<unsigned char*>(c->buffer.data()) + c->plan.delivered(); }
  bool pages_ok(const read_action& a) const {
    const std::size_t ps = c->io->page_size;
    for (std::size_t off = 0; off < a.size; off += ps) {
      if (!storage::verify_page(c->chunk.data() + off, ps, static_cast<std::uint32_t>((a.offset + off) / ps))) {
        return false;
      }
    }
    return true;
  }

  template <typename Self>
  void operator()(Self& self) {
    run(self, c->plan.start(position(), signals()));
  }
  template <typename Self>
  void operator()(Self& self, error_code ec, std::size_t got) {
    if (c->plan.waiting_for() == read_action_kind::wait) return run(self, c->plan.waited(signals()));
    run(self, c->plan.landed(signals(), ec, got));
  }

  template <typename Self>
  void run(Self& self, read_action a) {
    for (;;) {
      switch (a.kind) {
        case read_action_kind::copy_headers:  // the pinned snapshot's headers, from memory
          std::memcpy(out(), c->io->headers.data() + a.offset, a.size);
          s.note_read(*c, a.size);
          a = c->plan.copied(position(), signals());
          break;
        case read_action_kind::read:
          if (!a.paced) {
            if (auto delay = s.limiter_->reserve(a.size, rate_limiter::clock::now()); delay.count() > 0) {
              a = c->plan.pace(delay);
              break;
            }
          }
          return read_chunk(self, a);
        case read_action_kind::wait:
          return wait(self, a);
        case read_action_kind::verify:
          a = c->plan.verified(signals(), pages_ok(a));
          break;
        case read_action_kind::deliver:
          std::memcpy(out(), c->chunk.data(), a.size);
          s.note_read(*c, a.size);
          a = c->plan.copied(position(), signals());
          break;
        case read_action_kind::finish:
          s.chains_.remove(c);
          if (a.error && a.error != boost::asio::error::operation_aborted) {
            s.book_.failed(c->name, a.error.category() == jet_category() ? a.error.value()
                                                                         : static_cast<int>(jet_errc::disk_io));
          }
          s.wake_idle_waiters();
          return self.complete(a.error, c->plan.delivered());
      }
    }
  }

  // Suspended on the chain's timer; set_max_rate() wakes it early (to pace the read again at
  // the new rate), stop() and end() resume it at once. Counted with the reads in the kernel:
  // the session outlives the timer's handler.
  template <typename Self>
  void wait(Self& self, const read_action& a) {
    auto ch = c;  // `self` holds this operation: moving it moves `c` too
    auto& session = s;
    ch->waiting = std::make_unique<suspended<Self>>(std::move(self));
    ++session.reads_in_kernel_;
    ch->pacing.expires_after(a.delay);
    ch->pacing.async_wait(boost::asio::bind_executor(session.inst_.get_executor(), [&session, ch](error_code ec) {
      --session.reads_in_kernel_;
      if (ch->waiting && ch->plan.waiting_for() == read_action_kind::wait) return ch->resume(ec, 0);
      session.wake_idle_waiters();
    }));
  }

  // The chunk goes to the chain's own buffer, never to the caller's: if the chain is
  // completed before it lands, it is dropped there.
  template <typename Self>
  void read_chunk(Self& self, const read_action& a) {
    auto ch = c;  // `self` holds this operation: moving it moves `c` too
    auto& session = s;
    ch->chunk.resize(a.size);
    ch->waiting = std::make_unique<suspended<Self>>(std::move(self));
    ++session.reads_in_kernel_;
    ch->io->file.async_read_at(
        a.offset, boost::asio::buffer(ch->chunk),
        boost::asio::bind_executor(session.inst_.get_executor(), [&session, ch](error_code ec, std::size_t got) {
          --session.reads_in_kernel_;
          if (ch->waiting) return ch->resume(ec, got);
          session.wake_idle_waiters();  // stop() or end() completed the chain already
        }));
  }
};

void backup_session::run_chain(std::shared_ptr<chain> c, std::function<void(error_code, std::size_t)> done) {
  boost::asio::async_compose<std::function<void(error_code, std::size_t)>, void(error_code, std::size_t)>(
      read_chain_op{*this, std::move(c)}, done, inst_.get_executor());
}

void backup_session::resume_waiting_chains() {
  const auto waiting = chains_;
  for (auto& c : waiting) {
    if (!c->waiting) continue;
    c->pacing.cancel();
    c->resume(boost::asio::error::operation_aborted, 0);
  }
}

}  // namespace jetstrand::backup
