// The read plan row by row, and the rate limiter (SPEC §3's read: chunking, headers from memory, 0 bytes at the
// end, verify and retry then -1018, -801 at a stop, the caller's cancellation), without I/O:
// every action for every situation, and a stop injected at every step of a whole read.
#include "rate_limiter.hpp"
#include "read_plan.hpp"

#include "jetstrand/error.hpp"

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>

#include <vector>

using namespace jetstrand;
using namespace jetstrand::backup;
using boost::system::error_code;
using kind = read_action_kind;

namespace {

constexpr std::uint32_t ps = 4096;
const read_signals go{};
const read_signals stop{true, false};
const read_signals cancel{false, true};

read_file_facts database(std::uint64_t pages) { return {true, ps, pages * ps, 2 * ps}; }
read_file_facts log_file(std::uint64_t bytes) { return {false, 0, bytes, 0}; }

void check(const read_action& a, kind k, std::uint64_t offset, std::size_t size) {
  BOOST_TEST(to_string(a.kind) == to_string(k));
  BOOST_TEST(a.offset == offset);
  BOOST_TEST(a.size == size);
}
void check_finish(const read_action& a, error_code ec) {
  BOOST_TEST(to_string(a.kind) == "finish");
  BOOST_TEST((a.error == ec), a.error.message());
}
void check_idle(const read_action& a) { BOOST_TEST(to_string(a.kind) == "idle"); }

// Carries a plan's actions out as the runner does: reads and checks complete later, oldest
// first, each time the plan has nothing else to do; every chunk and page is fine. A stop
// comes in force at action `stop_at` (never if negative). Returns the actions seen.
std::vector<read_action> run(read_plan& p, int stop_at = -1) {
  std::vector<read_action> seen;
  std::vector<read_action> pending;  // reads in the kernel and checks off the strand
  auto sig = [&] { return static_cast<int>(seen.size()) >= stop_at && stop_at >= 0 ? stop : go; };
  while (true) {
    auto a = p.next(sig());
    seen.push_back(a);
    switch (a.kind) {
      case kind::copy_headers:
      case kind::deliver: p.copied(); break;
      case kind::read:
      case kind::verify: pending.push_back(a); break;
      case kind::idle: {
        BOOST_TEST_REQUIRE(!pending.empty(), "idle with nothing in flight");
        auto done = pending.front();
        pending.erase(pending.begin());
        if (done.kind == kind::read) p.landed(done.slot, {}, done.size);
        else p.verified(done.slot, true);
        break;
      }
      case kind::wait: p.waited(); break;
      case kind::finish: return seen;
    }
  }
}

std::size_t delivered_by(const std::vector<read_action>& seen) {
  std::size_t n = 0;
  for (const auto& a : seen) {
    if (a.kind == kind::copy_headers || a.kind == kind::deliver) n += a.size;
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(read_plan_rows)

BOOST_AUTO_TEST_CASE(a_stop_finishes_with_801_before_anything_else) {
  check_finish(read_plan(database(10), 0, 10 * ps, 64 << 10).next(stop), jet_errc::backup_abort_by_server);
  check_finish(read_plan(database(10), 10 * ps, 10 * ps, 64 << 10).next(stop),
               jet_errc::backup_abort_by_server);  // even at the end
  read_plan q(log_file(100), 0, 100, 64 << 10);
  check_finish(q.next({true, true}), jet_errc::backup_abort_by_server);  // before the caller's cancel
  BOOST_TEST(q.delivered() == 0u);
}

BOOST_AUTO_TEST_CASE(the_end_of_the_file_or_a_full_buffer_is_success) {
  check_finish(read_plan(log_file(1000), 1000, 4096, 1024).next(go), {});
  check_finish(read_plan(log_file(1000), 1000, 4096, 1024).next(cancel), {});  // too late to cancel
  check_finish(read_plan(log_file(1000), 0, 0, 1024).next(go), {});
}

BOOST_AUTO_TEST_CASE(the_callers_cancellation_ends_between_chunks) {
  check_finish(read_plan(log_file(10000), 0, 10000, 4000).next(cancel), boost::asio::error::operation_aborted);
  read_plan q(log_file(10000), 0, 10000, 4000);
  check(q.next(go), kind::read, 0, 4000);
  check(q.next(go), kind::read, 4000, 4000);
  check(q.next(go), kind::read, 8000, 2000);
  check_idle(q.next(go));
  q.landed(0, {}, 4000);
  check(q.next(go), kind::deliver, 0, 4000);
  q.copied();
  check_finish(q.next(cancel), boost::asio::error::operation_aborted);  // the others are dropped
  BOOST_TEST(q.delivered() == 4000u);  // the bytes delivered are reported
}

BOOST_AUTO_TEST_CASE(a_log_is_read_ahead_in_chunks_and_delivered_in_file_order) {
  read_plan p(log_file(600 << 10), 0, 1 << 20, 256 << 10);
  check(p.next(go), kind::read, 0, 256 << 10);
  check(p.next(go), kind::read, 256 << 10, 256 << 10);
  check(p.next(go), kind::read, 512 << 10, 88 << 10);  // the rest of the file
  check_idle(p.next(go));
  p.landed(2, {}, 88 << 10);  // the last lands first: it waits for the others
  check_idle(p.next(go));
  p.landed(0, {}, 256 << 10);
  auto a = p.next(go);
  check(a, kind::deliver, 0, 256 << 10);  // unverified: a log
  BOOST_TEST(a.slot == 0u);
  p.copied();
  check_idle(p.next(go));
  p.landed(1, {}, 256 << 10);
  check(p.next(go), kind::deliver, 256 << 10, 256 << 10);
  p.copied();
  check(p.next(go), kind::deliver, 512 << 10, 88 << 10);
  p.copied();
  check_finish(p.next(go), {});
  BOOST_TEST(p.delivered() == std::size_t{600} << 10);

  // At most `depth` in flight; a delivered chunk's buffer takes the next read.
  read_plan two(log_file(1 << 20), 0, 1 << 20, 256 << 10, 2);
  BOOST_TEST(two.next(go).slot == 0u);
  BOOST_TEST(two.next(go).slot == 1u);
  check_idle(two.next(go));
  BOOST_TEST(two.in_flight() == 2u);
  two.landed(0, {}, 256 << 10);
  two.next(go);
  two.copied();
  a = two.next(go);
  check(a, kind::read, 512 << 10, 256 << 10);
  BOOST_TEST(a.slot == 0u);
  two.landed(1, {}, 256 << 10);  // what is in flight lands; run() carries out the rest
  two.landed(0, {}, 256 << 10);
  BOOST_TEST(run(two).back().error == error_code{});
  BOOST_TEST(two.delivered() == std::size_t{1} << 20);
}

BOOST_AUTO_TEST_CASE(a_database_gives_its_headers_from_memory_then_verified_whole_pages) {
  read_plan p(database(10), 0, 10 * ps, 10000);  // a chunk of 10,000 bytes is two whole pages
  check(p.next(go), kind::copy_headers, 0, 2 * ps);
  p.copied();
  check(p.next(go), kind::read, 2 * ps, 2 * ps);
  check(p.next(go), kind::read, 4 * ps, 2 * ps);
  check(p.next(go), kind::read, 6 * ps, 2 * ps);
  check(p.next(go), kind::read, 8 * ps, 2 * ps);
  check_idle(p.next(go));
  p.landed(1, {}, 2 * ps);
  check(p.next(go), kind::verify, 4 * ps, 2 * ps);  // checked as soon as it lands, in any order
  check_idle(p.next(go));
  p.verified(1, true);
  check_idle(p.next(go));  // delivered only after the chunk before it
  p.landed(0, {}, 2 * ps);
  check(p.next(go), kind::verify, 2 * ps, 2 * ps);
  check_idle(p.next(go));  // never delivered unchecked
  p.verified(0, true);
  check(p.next(go), kind::deliver, 2 * ps, 2 * ps);
  p.copied();
  check(p.next(go), kind::deliver, 4 * ps, 2 * ps);
  p.copied();
  p.landed(2, {}, 2 * ps);  // what is in flight lands; run() carries out the rest
  p.landed(3, {}, 2 * ps);
  const auto rest = run(p);
  check_finish(rest.back(), {});
  BOOST_TEST(p.delivered() == 10u * ps);
  // A buffer of one page reads one page even where the header pages end part-way.
  check(read_plan(database(10), ps, ps, 64 << 10).next(go), kind::copy_headers, ps, ps);
  check(read_plan(database(10), 2 * ps, ps, 1000).next(go), kind::read, 2 * ps, ps);  // a chunk under a page
}

BOOST_AUTO_TEST_CASE(a_page_that_fails_is_read_again_then_1018) {
  read_plan p(database(4), 2 * ps, 2 * ps, 64 << 10);
  check(p.next(go), kind::read, 2 * ps, 2 * ps);
  for (int i = 1; i < read_plan::read_attempts; ++i) {
    p.landed(0, {}, 2 * ps);
    check(p.next(go), kind::verify, 2 * ps, 2 * ps);
    p.verified(0, false);
    check(p.next(go), kind::read, 2 * ps, 2 * ps);  // torn by a write: read it again
  }
  p.landed(0, {}, 2 * ps);
  p.next(go);
  p.verified(0, false);
  check_finish(p.next(go), jet_errc::read_verify_failure);  // the third time: damaged
  BOOST_TEST(p.delivered() == 0u);
  // A damaged chunk after good ones: what comes before it is delivered first.
  read_plan q(database(6), 2 * ps, 4 * ps, 2 * ps);
  q.next(go);
  q.next(go);
  for (int i = 0; i < read_plan::read_attempts; ++i) {
    q.landed(1, {}, 2 * ps);
    check(q.next(go), kind::verify, 4 * ps, 2 * ps);
    q.verified(1, false);
    if (i + 1 < read_plan::read_attempts) check(q.next(go), kind::read, 4 * ps, 2 * ps);
  }
  check_idle(q.next(go));
  q.landed(0, {}, 2 * ps);
  q.next(go);
  q.verified(0, true);
  check(q.next(go), kind::deliver, 2 * ps, 2 * ps);
  q.copied();
  check_finish(q.next(go), jet_errc::read_verify_failure);
  BOOST_TEST(q.delivered() == 2u * ps);
}

BOOST_AUTO_TEST_CASE(what_a_read_returns_decides_the_rest) {
  read_plan err(log_file(1000), 0, 1000, 1000);
  err.next(go);
  err.landed(0, jet_errc::disk_io, 0);
  check_finish(err.next(go), jet_errc::disk_io);
  read_plan shrunk(log_file(1000), 0, 1000, 1000);
  shrunk.next(go);
  shrunk.landed(0, {}, 999);
  check_finish(shrunk.next(go), jet_errc::disk_io);  // the file is shorter than it was
  read_plan aborted(log_file(1000), 0, 1000, 1000);
  aborted.next(go);
  aborted.landed(0, boost::asio::error::operation_aborted, 0);
  check(aborted.next(go), kind::read, 0, 1000);  // again
  aborted.landed(0, boost::asio::error::operation_aborted, 0);
  check_finish(aborted.next(cancel), boost::asio::error::operation_aborted);
  read_plan stopped(log_file(1000), 0, 1000, 1000);
  stopped.next(go);
  stopped.landed(0, {}, 1000);
  check_finish(stopped.next(stop), jet_errc::backup_abort_by_server);  // dropped undelivered
  BOOST_TEST(stopped.delivered() == 0u);
  read_plan verifying(database(4), 2 * ps, 2 * ps, 64 << 10);
  verifying.next(go);
  verifying.landed(0, {}, 2 * ps);
  check_finish(verifying.next(stop), jet_errc::backup_abort_by_server);  // dropped unverified (S7)
  read_plan checked(database(4), 2 * ps, 2 * ps, 64 << 10);
  checked.next(go);
  checked.landed(0, {}, 2 * ps);
  checked.next(go);
  checked.verified(0, true);
  check_finish(checked.next(stop), jet_errc::backup_abort_by_server);  // checked, still not delivered
  BOOST_TEST(checked.delivered() == 0u);
  // An error in a later chunk ends the call after the chunks before it.
  read_plan later(log_file(3000), 0, 3000, 1000);
  later.next(go);
  later.next(go);
  later.next(go);
  later.landed(1, jet_errc::disk_io, 0);
  check_idle(later.next(go));
  later.landed(0, {}, 1000);
  check(later.next(go), kind::deliver, 0, 1000);
  later.copied();
  check_finish(later.next(go), jet_errc::disk_io);
  BOOST_TEST(later.delivered() == 1000u);
}

BOOST_AUTO_TEST_CASE(a_stop_at_every_step_finishes_with_801_and_the_bytes_delivered_before_it) {
  for (std::size_t depth = 1; depth <= read_plan::max_depth; ++depth) {
    read_plan whole(database(12), 0, 12 * ps, 2 * ps, depth);
    const auto steps = run(whole).size();
    BOOST_TEST(steps > 12u);
    for (int at = 0; at < static_cast<int>(steps); ++at) {
      read_plan p(database(12), 0, 12 * ps, 2 * ps, depth);
      auto seen = run(p, at);
      check_finish(seen.back(), jet_errc::backup_abort_by_server);
      BOOST_TEST(seen.size() == static_cast<std::size_t>(at) + 1, "depth " << depth << ", stop at " << at);
      BOOST_TEST(p.delivered() == delivered_by(seen), "depth " << depth << ", stop at " << at);
    }
  }
}

BOOST_AUTO_TEST_CASE(under_the_rate_limit_a_read_waits_and_a_stop_ends_the_wait) {
  using std::chrono::milliseconds;
  read_plan p(log_file(3000), 0, 3000, 1000);
  auto a = p.next(go);
  check(a, kind::read, 0, 1000);
  BOOST_TEST(!a.paced);
  a = p.pace(milliseconds(40));
  check(a, kind::wait, 0, 1000);
  BOOST_TEST((a.delay == milliseconds(40)));
  BOOST_TEST(p.pacing());
  check_idle(p.next(go));  // one wait at a time: no read starts meanwhile
  p.waited();
  BOOST_TEST(!p.pacing());
  a = p.next(go);
  check(a, kind::read, 0, 1000);  // the same read, its bytes reserved
  BOOST_TEST(a.paced);
  p.landed(0, {}, 1000);
  check(p.next(go), kind::deliver, 0, 1000);

  read_plan stopped(log_file(1000), 0, 1000, 1000);
  stopped.next(go);
  stopped.pace(milliseconds(40));
  check_finish(stopped.next(stop), jet_errc::backup_abort_by_server);  // the wait ends at once
  read_plan cancelled(log_file(1000), 0, 1000, 1000);
  cancelled.next(go);
  cancelled.pace(milliseconds(40));
  cancelled.waited();
  check_finish(cancelled.next(cancel), boost::asio::error::operation_aborted);

  // A page read again after a failed check is paced again: it costs its bytes again.
  read_plan retry(database(4), 2 * ps, 2 * ps, 64 << 10);
  retry.next(go);
  retry.pace(milliseconds(1));
  retry.waited();
  BOOST_TEST(retry.next(go).paced);
  retry.landed(0, {}, 2 * ps);
  retry.next(go);
  retry.verified(0, false);
  a = retry.next(go);
  check(a, kind::read, 2 * ps, 2 * ps);
  BOOST_TEST(!a.paced);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rate_limit)

BOOST_AUTO_TEST_CASE(reads_are_paced_at_the_rate_over_every_file_together) {
  using clock = rate_limiter::clock;
  using std::chrono::milliseconds;
  rate_limiter r;
  const auto t0 = clock::time_point{} + std::chrono::hours(1);
  BOOST_TEST(r.reserve(1 << 30, t0).count() == 0);  // unlimited
  r.set_rate(1000, t0);  // 1,000 bytes per second
  BOOST_TEST(r.reserve(100, t0).count() == 0);                        // the first goes at once
  BOOST_TEST((r.reserve(100, t0) == milliseconds(100)));              // then 100 ms per 100 bytes
  BOOST_TEST((r.reserve(300, t0 + milliseconds(50)) == milliseconds(150)));
  // Idle time builds no credit: after a pause the next read goes at once, the one after waits.
  const auto later = t0 + std::chrono::seconds(10);
  BOOST_TEST(r.reserve(500, later).count() == 0);
  BOOST_TEST((r.reserve(1, later) == milliseconds(500)));
  // A new rate applies from now on.
  r.set_rate(10000, later);
  BOOST_TEST(r.reserve(1000, later).count() == 0);
  BOOST_TEST((r.reserve(1000, later) == milliseconds(100)));
  r.set_rate(0, later);
  BOOST_TEST(r.reserve(1 << 30, later).count() == 0);
  BOOST_TEST(r.rate() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
