// The non-template bodies of instance's public async calls (instance.hpp): each one queues
// its work on the strand with the caller's erased handler, as a continuation of the caller
// (strand_entry in detail/async_on_strand.hpp). Compiled once here, so the header needs
// neither the strand machinery nor the file layer.
#include "jetstrand/instance.hpp"

#include "detail/async_on_strand.hpp"

namespace jetstrand {

template <typename... Results, typename Work>
void instance::on_strand(impl::handler<Results...> h, Work work) {
  // The work keeps the instance alive until it runs, except a blocking call's: its caller
  // waits for it, holding the instance, and the count (shared by every thread that calls
  // the instance) costs a cache line's trip between cores per call.
  auto keep = detail::is_blocking_call(h) ? std::shared_ptr<instance>() : shared_from_this();
  detail::async_on_strand<Results...>(
      detail::strand_entry::continuation, strand_, waiting_callers_.get(), std::move(h),
      [self = this, keep = std::move(keep), work = std::move(work)](auto done) mutable {
        work(*self, std::move(done));
      });
}

template <typename... Results, typename Work>
void instance::on_running(impl::handler<Results...> h, Work work) {
  on_strand<Results...>(std::move(h), [work = std::move(work)](instance& self, auto done) mutable {
    if (self.state_ != instance_state::running) {
      done(jet_errc::not_initialized, Results{}...);
      return;
    }
    work(self, std::move(done));
  });
}

void instance::init_impl(impl::handler<> h) {
  on_strand(std::move(h), [](instance& self, auto done) { done(self.init_on_strand()); });
}

void instance::terminate_impl(terminate_mode mode, impl::handler<> h) {
  on_strand(std::move(h), [mode](instance& self, auto done) {
    self.terminate_on_strand(mode, detail::make_copyable(std::move(done)));
  });
}

void instance::create_database_impl(std::string name, impl::handler<> h) {
  on_running(std::move(h), [name = std::move(name)](instance& self, auto done) {
    done(self.create_database_on_strand(name));
  });
}

void instance::attach_database_impl(std::string name, impl::handler<> h) {
  on_running(std::move(h), [name = std::move(name)](instance& self, auto done) {
    done(self.attach_database_on_strand(name));
  });
}

void instance::detach_database_impl(std::string name, impl::handler<> h) {
  on_running(std::move(h), [name = std::move(name)](instance& self, auto done) {
    self.detach_database_on_strand(name, detail::make_copyable(std::move(done)));
  });
}

void instance::commit_impl(transaction t, impl::handler<> h) {
  on_running(std::move(h), [t = std::move(t)](instance& self, auto done) mutable {
    self.commit_on_strand(std::move(t), detail::make_copyable(std::move(done)));
  });
}

void instance::get_impl(std::string db, std::string key, impl::handler<std::string> h) {
  on_running<std::string>(std::move(h), [db = std::move(db), key = std::move(key)](instance& self, auto done) {
    // Most gets are answered at once: no copyable completion to make for them.
    std::string value;
    std::optional<std::uint32_t> wait_for;
    if (const auto ec = self.get_now_on_strand(db, key, value, wait_for)) return done(*ec, std::move(value));
    self.get_on_strand(db, key, detail::make_copyable(std::move(done)), wait_for);
  });
}

void instance::scan_impl(std::string db, std::string from, std::string to, std::size_t limit, bool keys_only,
                         impl::handler<entries> h) {
  on_running<entries>(std::move(h), [db = std::move(db), from = std::move(from), to = std::move(to), limit,
                                     keys_only](instance& self, auto done) {
    self.scan_on_strand(db, from, to, limit, keys_only, detail::make_copyable(std::move(done)));
  });
}

void instance::checkpoint_impl(impl::handler<> h) {
  on_running(std::move(h), [](instance& self, auto done) {
    self.checkpoint_on_strand(detail::make_copyable(std::move(done)));
  });
}

void instance::stats_impl(impl::handler<storage_stats> h) {
  on_running<storage_stats>(std::move(h), [](instance& self, auto done) { done({}, self.stats_on_strand()); });
}

}  // namespace jetstrand
