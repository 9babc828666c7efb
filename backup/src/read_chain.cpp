// A read call as a composed operation (async_compose) on the instance's strand: it carries
// out what its read_plan says, one action at a time, and owns no decision itself.
//
// The stop path ends here. While its chunks are in the kernel the operation waits in
// chain::waiting; whichever comes first resumes it: a chunk landing, or stop() / end()
// (backup_session.cpp), which resume it at once with the stop in force, so the plan finishes
// it with -801 and the bytes it delivered. Chunks that land after that land in the chain's
// own buffers and are dropped: nobody waits for the disk.
#include "backup_session.hpp"

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
  void resume(chain_event e) override { self(e); }
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
  unsigned char* out() const { return static_cast<unsigned char*>(c->buffer.data()) + c->plan.delivered(); }
  template <typename Self>
  void operator()(Self& self) {
    run(self);
  }
  template <typename Self>
  void operator()(Self& self, chain_event e) {
    take(e);
    run(self);
  }

  void take(const chain_event& e) {
    switch (e.kind) {
      case chain_event::landed: c->plan.landed(e.slot, e.ec, e.got); break;
      case chain_event::verified: c->plan.verified(e.slot, e.pages_ok); break;
      case chain_event::waited: c->plan.waited(); break;
      case chain_event::woken: break;  // the signals say why
    }
  }

  template <typename Self>
  void run(Self& self) {
    for (;;) {
      const auto a = c->plan.next(signals());
      switch (a.kind) {
        case read_action_kind::copy_headers:  // the pinned snapshot's headers, from memory
          std::memcpy(out(), c->io->headers.data() + a.offset, a.size);
          s.note_read(*c, a.size);
          c->plan.copied();
          break;
        case read_action_kind::read:
          if (!a.paced) {
            if (auto delay = s.limiter_->reserve(a.size, rate_limiter::clock::now()); delay.count() > 0) {
              wait(c->plan.pace(delay));
              break;
            }
          }
          read_chunk(a);
          break;
        case read_action_kind::wait:  // never returned by next(): pace() hands it out
          break;
        case read_action_kind::verify:
          verify(a);
          break;
        case read_action_kind::deliver:
          std::memcpy(out(), c->chunk(a.slot), a.size);
          s.note_read(*c, a.size);
          c->plan.copied();
          break;
        case read_action_kind::idle:
          if (!c->early.empty()) {  // what came while this ran
            auto events = std::exchange(c->early, {});
            for (const auto& e : events) take(e);
            break;
          }
          {
            auto ch = c;  // `self` holds this operation: moving it moves `c` too
            ch->waiting = std::make_unique<suspended<Self>>(std::move(self));
          }
          return;
        case read_action_kind::finish:
          c->finished = true;
          c->early.clear();
          s.chains_.remove(c);
          if (a.error && a.error != boost::asio::error::operation_aborted) {
            s.book_.failed(c->name, a.error.category() == jet_category() ? a.error.value()
                                                                         : static_cast<int>(jet_errc::disk_io));
          }
          if (c->outstanding == 0) s.recycle(std::move(c->chunks));
          s.wake_idle_waiters();
          return self.complete(a.error, c->plan.delivered());
      }
    }
  }

  // On the chain's timer; set_max_rate() wakes it early (to pace the read again at the new
  // rate), stop(), end() and close() at once. Counted with the reads in the kernel: the
  // session outlives the timer's handler.
  void wait(const read_action& a) {
    auto& session = s;
    ++session.reads_in_kernel_;
    ++c->outstanding;
    c->pacing.expires_after(a.delay);
    c->pacing.async_wait(boost::asio::bind_executor(session.inst_.get_executor(), [&session, ch = c](error_code) {
      session.landed(*ch, {chain_event::waited, 0, {}, 0, false});
    }));
  }

  // Off the strand, on any thread of the instance's io_context, so the checks of the chunks
  // in flight run in parallel with each other and with the strand; the result comes back
  // to the strand like a landed chunk (dropped if the call completed meanwhile).
  void verify(const read_action& a) {
    auto& session = s;
    ++session.reads_in_kernel_;
    ++c->outstanding;
    const auto strand = session.inst_.get_executor();
    const unsigned char* chunk = c->chunk(a.slot);
    const std::size_t ps = c->io->page_size;
    boost::asio::post(strand.get_inner_executor(), [&session, strand, ch = c, a, chunk, ps]() mutable {
      bool ok = true;
      for (std::size_t off = 0; ok && off < a.size; off += ps) {
        ok = storage::verify_page(chunk + off, ps, static_cast<std::uint32_t>((a.offset + off) / ps));
      }
      // The chain moves on with the result: this thread must not hold the last reference,
      // or the chain (and the snapshot pin it holds) would be destroyed off the strand.
      boost::asio::post(strand, [&session, ch = std::move(ch), slot = a.slot, ok] {
        session.landed(*ch, {chain_event::verified, slot, {}, 0, ok});
      });
    });
  }

  // The chunk goes to the chain's own buffer, never to the caller's: if the chain is
  // completed before it lands, it is dropped there.
  void read_chunk(const read_action& a) {
    auto& session = s;
    ++session.reads_in_kernel_;
    ++c->outstanding;
    c->io->file.async_read_at(
        a.offset, boost::asio::buffer(c->chunk(a.slot), a.size),
        boost::asio::bind_executor(session.inst_.get_executor(),
                                   [&session, ch = c, slot = a.slot](error_code ec, std::size_t got) {
                                     session.landed(*ch, {chain_event::landed, slot, ec, got, false});
                                   }));
  }
};

// A chunk landed or a wait ended (on the strand): the chain's operation goes on, unless the
// call completed already; then the last of them hands its buffers back.
void backup_session::landed(chain& c, chain_event e) {
  --reads_in_kernel_;
  --c.outstanding;
  if (!c.finished) return c.resume(e);
  if (c.outstanding == 0) recycle(std::move(c.chunks));
  wake_idle_waiters();
}

void backup_session::recycle(std::vector<unsigned char> chunks) {
  if (chunks.capacity() && spare_chunks_.size() < options_.max_open_files) spare_chunks_.push_back(std::move(chunks));
}

std::vector<unsigned char> backup_session::chunk_buffers(std::size_t bytes) {
  std::vector<unsigned char> v;
  if (!spare_chunks_.empty()) {
    v = std::move(spare_chunks_.back());
    spare_chunks_.pop_back();
  }
  v.resize(bytes);  // within the capacity after the first read of a backup: no fault, no zeroing
  return v;
}

void backup_session::run_chain(std::shared_ptr<chain> c, std::function<void(error_code, std::size_t)> done) {
  boost::asio::async_compose<std::function<void(error_code, std::size_t)>, void(error_code, std::size_t)>(
      read_chain_op{*this, std::move(c)}, done, inst_.get_executor());
}

void backup_session::resume_waiting_chains() {
  const auto waiting = chains_;
  for (auto& c : waiting) {
    if (!c->waiting) continue;
    c->pacing.cancel();
    c->resume({chain_event::woken, 0, {}, 0, false});
  }
}

}  // namespace jetstrand::backup
