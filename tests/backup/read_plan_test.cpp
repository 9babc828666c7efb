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

// Carries a plan's actions out as the runner does, with every chunk and page fine; a stop
// comes in force at action `stop_at` (never if negative). Returns the actions seen.
std::vector<read_action> run(read_plan& p, std::uint64_t& position, int stop_at = -1) {
  std::vector<read_action> seen;
  auto sig = [&] { return static_cast<int>(seen.size()) >= stop_at && stop_at >= 0 ? stop : go; };
  auto a = p.start(position, sig());
  while (true) {
    seen.push_back(a);
    switch (a.kind) {
      case kind::copy_headers:
      case kind::deliver: position += a.size; a = p.copied(position, sig()); break;
      case kind::read: a = p.landed(sig(), {}, a.size); break;
      case kind::verify: a = p.verified(sig(), true); break;
      case kind::wait: a = p.waited(sig()); break;
      case kind::finish: return seen;
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(read_plan_rows)

BOOST_AUTO_TEST_CASE(a_stop_finishes_with_801_before_anything_else) {
  read_plan p(database(10), 10 * ps, 64 << 10);
  check_finish(p.start(0, stop), jet_errc::backup_abort_by_server);
  check_finish(p.start(10 * ps, stop), jet_errc::backup_abort_by_server);  // even at the end
  read_plan q(log_file(100), 100, 64 << 10);
  check_finish(q.start(0, {true, true}), jet_errc::backup_abort_by_server);  // before the caller's cancel
  BOOST_TEST(q.delivered() == 0u);
}

BOOST_AUTO_TEST_CASE(the_end_of_the_file_or_a_full_buffer_is_success) {
  read_plan at_end(log_file(1000), 4096, 1024);
  check_finish(at_end.start(1000, go), {});
  check_finish(read_plan(log_file(1000), 4096, 1024).start(1000, cancel), {});  // too late to cancel
  read_plan empty(log_file(1000), 0, 1024);
  check_finish(empty.start(0, go), {});
}

BOOST_AUTO_TEST_CASE(the_callers_cancellation_ends_between_chunks) {
  read_plan p(log_file(10000), 10000, 4000);
  check_finish(p.start(0, cancel), boost::asio::error::operation_aborted);
  read_plan q(log_file(10000), 10000, 4000);
  check(q.start(0, go), kind::read, 0, 4000);
  check(q.landed(go, {}, 4000), kind::deliver, 0, 4000);
  check_finish(q.copied(4000, cancel), boost::asio::error::operation_aborted);
  BOOST_TEST(q.delivered() == 4000u);  // the bytes delivered are reported
}

BOOST_AUTO_TEST_CASE(a_log_is_read_in_chunks_and_delivered_unverified) {
  read_plan p(log_file(600 << 10), 1 << 20, 256 << 10);
  std::uint64_t pos = 0;
  auto seen = run(p, pos);
  BOOST_TEST_REQUIRE(seen.size() == 7u);
  check(seen[0], kind::read, 0, 256 << 10);
  check(seen[1], kind::deliver, 0, 256 << 10);
  check(seen[2], kind::read, 256 << 10, 256 << 10);
  check(seen[4], kind::read, 512 << 10, 88 << 10);  // the rest of the file
  check(seen[5], kind::deliver, 512 << 10, 88 << 10);
  check_finish(seen[6], {});
  BOOST_TEST(p.delivered() == std::size_t{600} << 10);
}

BOOST_AUTO_TEST_CASE(a_database_gives_its_headers_from_memory_then_verified_whole_pages) {
  read_plan p(database(10), 10 * ps, 10000);  // a chunk of 10,000 bytes is two whole pages
  std::uint64_t pos = 0;
  auto seen = run(p, pos);
  check(seen[0], kind::copy_headers, 0, 2 * ps);
  check(seen[1], kind::read, 2 * ps, 2 * ps);
  check(seen[2], kind::verify, 2 * ps, 2 * ps);
  check(seen[3], kind::deliver, 2 * ps, 2 * ps);
  check(seen[4], kind::read, 4 * ps, 2 * ps);
  check_finish(seen.back(), {});
  BOOST_TEST(p.delivered() == 10u * ps);
  // A buffer of one page reads one page even where the header pages end part-way.
  read_plan one(database(10), ps, 64 << 10);
  check(one.start(ps, go), kind::copy_headers, ps, ps);
  read_plan small(database(10), ps, 1000);  // a chunk under a page still reads a page
  check(small.start(2 * ps, go), kind::read, 2 * ps, ps);
}

BOOST_AUTO_TEST_CASE(a_page_that_fails_is_read_again_then_1018) {
  read_plan p(database(4), 4 * ps, 64 << 10);
  check(p.start(2 * ps, go), kind::read, 2 * ps, 2 * ps);
  check(p.landed(go, {}, 2 * ps), kind::verify, 2 * ps, 2 * ps);
  check(p.verified(go, false), kind::read, 2 * ps, 2 * ps);  // torn by a write: read it again
  check(p.landed(go, {}, 2 * ps), kind::verify, 2 * ps, 2 * ps);
  check(p.verified(go, false), kind::read, 2 * ps, 2 * ps);
  check(p.landed(go, {}, 2 * ps), kind::verify, 2 * ps, 2 * ps);
  check_finish(p.verified(go, false), jet_errc::read_verify_failure);  // the third time: damaged
  BOOST_TEST(p.delivered() == 0u);
  // A good read in between starts the count again.
  read_plan q(database(6), 4 * ps, 2 * ps);
  q.start(2 * ps, go);
  q.landed(go, {}, 2 * ps);
  q.verified(go, false);
  q.landed(go, {}, 2 * ps);
  check(q.verified(go, true), kind::deliver, 2 * ps, 2 * ps);
  check(q.copied(4 * ps, go), kind::read, 4 * ps, 2 * ps);
  for (int i = 0; i < read_plan::read_attempts - 1; ++i) {
    q.landed(go, {}, 2 * ps);
    check(q.verified(go, false), kind::read, 4 * ps, 2 * ps);
  }
  q.landed(go, {}, 2 * ps);
  check_finish(q.verified(go, false), jet_errc::read_verify_failure);
}

BOOST_AUTO_TEST_CASE(what_a_read_returns_decides_the_rest) {
  read_plan err(log_file(1000), 1000, 1000);
  err.start(0, go);
  check_finish(err.landed(go, jet_errc::disk_io, 0), jet_errc::disk_io);
  read_plan shrunk(log_file(1000), 1000, 1000);
  shrunk.start(0, go);
  check_finish(shrunk.landed(go, {}, 999), jet_errc::disk_io);  // the file is shorter than it was
  read_plan aborted(log_file(1000), 1000, 1000);
  aborted.start(0, go);
  check(aborted.landed(go, boost::asio::error::operation_aborted, 0), kind::read, 0, 1000);  // again
  check_finish(aborted.landed(cancel, boost::asio::error::operation_aborted, 0), boost::asio::error::operation_aborted);
  read_plan stopped(log_file(1000), 1000, 1000);
  stopped.start(0, go);
  check_finish(stopped.landed(stop, {}, 1000), jet_errc::backup_abort_by_server);  // dropped unverified
  BOOST_TEST(stopped.delivered() == 0u);
  read_plan verifying(database(4), 4 * ps, 64 << 10);
  verifying.start(2 * ps, go);
  verifying.landed(go, {}, 2 * ps);
  check_finish(verifying.verified(stop, true), jet_errc::backup_abort_by_server);  // not delivered
  BOOST_TEST(verifying.delivered() == 0u);
}

BOOST_AUTO_TEST_CASE(a_stop_at_every_step_finishes_with_801_and_the_bytes_delivered_before_it) {
  read_plan whole(database(8), 8 * ps, 2 * ps);
  std::uint64_t end = 0;
  const auto steps = run(whole, end).size();
  BOOST_TEST(steps > 8u);
  for (int at = 0; at < static_cast<int>(steps); ++at) {
    read_plan p(database(8), 8 * ps, 2 * ps);
    std::uint64_t pos = 0;
    auto seen = run(p, pos, at);
    check_finish(seen.back(), jet_errc::backup_abort_by_server);
    BOOST_TEST(seen.size() == static_cast<std::size_t>(at) + 1, "stop at " << at);
    std::size_t delivered = 0;
    for (std::size_t i = 0; i + 1 < seen.size(); ++i) {
      if (seen[i].kind == kind::copy_headers || seen[i].kind == kind::deliver) delivered += seen[i].size;
    }
    BOOST_TEST(p.delivered() == delivered, "stop at " << at);
    BOOST_TEST(pos == delivered);
  }
}

BOOST_AUTO_TEST_CASE(under_the_rate_limit_a_read_waits_and_a_stop_ends_the_wait) {
  using std::chrono::milliseconds;
  read_plan p(log_file(1000), 1000, 1000);
  auto a = p.start(0, go);
  check(a, kind::read, 0, 1000);
  BOOST_TEST(!a.paced);
  a = p.pace(milliseconds(40));
  check(a, kind::wait, 0, 1000);
  BOOST_TEST((a.delay == milliseconds(40)));
  a = p.waited(go);
  check(a, kind::read, 0, 1000);  // the same read, its bytes reserved
  BOOST_TEST(a.paced);
  check(p.landed(go, {}, 1000), kind::deliver, 0, 1000);

  read_plan stopped(log_file(1000), 1000, 1000);
  stopped.start(0, go);
  stopped.pace(milliseconds(40));
  BOOST_TEST(to_string(stopped.waiting_for()) == "wait");
  check_finish(stopped.waited(stop), jet_errc::backup_abort_by_server);
  read_plan cancelled(log_file(1000), 1000, 1000);
  cancelled.start(0, go);
  cancelled.pace(milliseconds(40));
  check_finish(cancelled.waited(cancel), boost::asio::error::operation_aborted);

  // A page read again after a failed check is paced again: it costs its bytes again.
  read_plan retry(database(4), 4 * ps, 64 << 10);
  retry.start(2 * ps, go);
  retry.pace(milliseconds(1));
  BOOST_TEST(retry.waited(go).paced);
  retry.landed(go, {}, 2 * ps);
  a = retry.verified(go, false);
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
