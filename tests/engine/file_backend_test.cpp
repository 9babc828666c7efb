// The async file layer, the same cases on both backends (io_uring and thread_pool).
#include "support/os_page_cache.hpp"
#include "support/run_until.hpp"
#include "support/temp_dir.hpp"

#include "io/file_service.hpp"
#include "io/posix.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include "support/both_backends.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>

using namespace jetstrand;
using io::backend_kind;
using boost::system::error_code;

namespace {

struct result {
  bool done = false;
  int calls = 0;
  error_code ec;
  std::size_t n = 0;
};

auto record(result& r) {
  return [&r](error_code ec, std::size_t n = 0) {
    ++r.calls;
    r.done = true;
    r.ec = ec;
    r.n = n;
  };
}

struct backend_fixture {
  explicit backend_fixture(backend_kind kind) : files(io.get_executor(), kind) {
    BOOST_TEST_REQUIRE((files.kind() == kind));
  }
  io::file open(const std::string& name, io::open_mode mode = io::open_mode::create_read_write) {
    error_code ec;
    auto f = files.open(dir / name, mode, ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    return f;
  }
  // Writes `size` bytes where byte i is (i * 7 + seed) & 0xff.
  io::file make_file(const std::string& name, std::size_t size, int seed = 0) {
    auto f = open(name);
    auto data = pattern(0, size, seed);
    result r;
    f.async_write_at(0, boost::asio::buffer(data), record(r));
    test::run_until(io, [&] { return r.done; });
    BOOST_TEST_REQUIRE(!r.ec);
    BOOST_TEST_REQUIRE(r.n == size);
    return f;
  }
  static std::vector<char> pattern(std::size_t from, std::size_t size, int seed = 0) {
    std::vector<char> v(size);
    for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<char>(((from + i) * 7 + seed) & 0xff);
    return v;
  }

  test::temp_dir dir;
  boost::asio::io_context io;
  io::file_service files;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(file_backends)

BOTH_BACKENDS(write_then_read_back) {
  backend_fixture fx(kind);
  constexpr std::size_t size = 300 * 1024 + 13;
  auto f = fx.make_file("data", size, 3);
  error_code ec;
  BOOST_TEST(f.size(ec) == size);
  std::vector<char> back(size);
  result r;
  f.async_read_at(0, boost::asio::buffer(back), record(r));
  test::run_until(fx.io, [&] { return r.done; });
  BOOST_TEST(!r.ec);
  BOOST_TEST(r.n == size);
  BOOST_TEST(back == backend_fixture::pattern(0, size, 3));
  BOOST_TEST(r.calls == 1);
}

BOTH_BACKENDS(reads_stop_at_end_of_file) {
  backend_fixture fx(kind);
  auto f = fx.make_file("short", 1000);
  std::vector<char> buf(4096);
  result r;
  f.async_read_at(600, boost::asio::buffer(buf), record(r));
  test::run_until(fx.io, [&] { return r.done; });
  BOOST_TEST(!r.ec);
  BOOST_TEST(r.n == 400u);
  BOOST_TEST(std::equal(buf.begin(), buf.begin() + 400, backend_fixture::pattern(600, 400).begin()));

  result at_end;
  f.async_read_some_at(1000, boost::asio::buffer(buf), record(at_end));
  test::run_until(fx.io, [&] { return at_end.done; });
  BOOST_TEST(!at_end.ec);
  BOOST_TEST(at_end.n == 0u);
}

BOTH_BACKENDS(cancellation_right_after_initiation_aborts) {
  backend_fixture fx(kind);
  auto f = fx.make_file("c", 4096);
  std::vector<char> buf(4096, 'z');
  boost::asio::cancellation_signal signal;
  result r;
  // A strand for the handler: the emit happens on the handler's executor, as Asio requires.
  auto strand = boost::asio::make_strand(fx.io);
  boost::asio::post(strand, [&] {
    signal.emit(boost::asio::cancellation_type::terminal);  // nothing connected yet: no-op
  });
  boost::asio::post(strand, [&] {
    f.async_read_at(0, boost::asio::buffer(buf),
                    boost::asio::bind_cancellation_slot(signal.slot(),
                                                        boost::asio::bind_executor(strand, record(r))));
    signal.emit(boost::asio::cancellation_type::terminal);
  });
  test::run_until(fx.io, [&] { return r.done; });
  BOOST_TEST((r.ec == boost::asio::error::operation_aborted));
  BOOST_TEST(r.calls == 1);
  // Either nothing was read, or the I/O had already been handed to the kernel and its
  // bytes are reported: never a lie about the buffer.
  if (r.n == 0) {
    BOOST_TEST(std::all_of(buf.begin(), buf.end(), [](char c) { return c == 'z'; }));
  } else {
    BOOST_TEST(std::equal(buf.begin(), buf.begin() + static_cast<long>(r.n),
                          backend_fixture::pattern(0, r.n).begin()));
  }
}

BOTH_BACKENDS(cancelled_reads_never_disturb_the_next_read) {
  // The Boost 1.81 io_uring bug completed the *next* operation with a stale result after an
  // in-flight cancellation. Alternate cancelled and plain reads of different offsets.
  backend_fixture fx(kind);
  constexpr std::size_t block = 8192;
  auto f = fx.make_file("alt", 64 * block, 5);
  auto strand = boost::asio::make_strand(fx.io);
  for (int i = 0; i < 200; ++i) {
    std::vector<char> a(block), b(block);
    boost::asio::cancellation_signal signal;
    result ra, rb;
    std::size_t off_a = static_cast<std::size_t>(i % 64) * block;
    std::size_t off_b = static_cast<std::size_t>((i * 17 + 3) % 64) * block;
    boost::asio::post(strand, [&] {
      f.async_read_some_at(off_a, boost::asio::buffer(a),
                           boost::asio::bind_cancellation_slot(
                               signal.slot(), boost::asio::bind_executor(strand, record(ra))));
      signal.emit(boost::asio::cancellation_type::terminal);
      f.async_read_some_at(off_b, boost::asio::buffer(b), boost::asio::bind_executor(strand, record(rb)));
    });
    test::run_until(fx.io, [&] { return ra.done && rb.done; });
    BOOST_TEST_REQUIRE((ra.ec == boost::asio::error::operation_aborted));
    BOOST_TEST_REQUIRE(!rb.ec);
    BOOST_TEST_REQUIRE(rb.n == block);
    BOOST_TEST_REQUIRE((b == backend_fixture::pattern(off_b, block, 5)));
  }
}

BOTH_BACKENDS(many_reads_in_flight_each_complete_once_with_their_data) {
  backend_fixture fx(kind);
  constexpr std::size_t block = 4096, count = 64;
  auto f = fx.make_file("many", block * count, 9);
  std::vector<std::vector<char>> bufs(count, std::vector<char>(block));
  std::vector<result> results(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t slot = (i * 13) % count;
    f.async_read_at(slot * block, boost::asio::buffer(bufs[i]), record(results[i]));
  }
  test::run_until(fx.io, [&] {
    return std::all_of(results.begin(), results.end(), [](const result& r) { return r.done; });
  });
  for (std::size_t i = 0; i < count; ++i) {
    BOOST_TEST(results[i].calls == 1);
    BOOST_TEST(!results[i].ec);
    BOOST_TEST((bufs[i] == backend_fixture::pattern(((i * 13) % count) * block, block, 9)));
  }
}

BOTH_BACKENDS(completion_runs_on_the_handlers_executor) {
  backend_fixture fx(kind);
  auto f = fx.make_file("exec", 100);
  auto strand = boost::asio::make_strand(fx.io);
  std::vector<char> buf(100);
  bool on_strand = false, done = false;
  f.async_read_at(0, boost::asio::buffer(buf), boost::asio::bind_executor(strand, [&](error_code, std::size_t) {
                    on_strand = strand.running_in_this_thread();
                    done = true;
                  }));
  test::run_until(fx.io, [&] { return done; });
  BOOST_TEST(on_strand);
}

BOTH_BACKENDS(sync_resize_and_errors) {
  backend_fixture fx(kind);
  auto f = fx.make_file("s", 10000);
  result r;
  f.async_sync_data([&](error_code ec) { r.done = true; r.ec = ec; ++r.calls; });
  test::run_until(fx.io, [&] { return r.done; });
  BOOST_TEST(!r.ec);
  error_code ec;
  f.resize(4096, ec);
  BOOST_TEST(!ec);
  BOOST_TEST(f.size(ec) == 4096u);

  auto missing = fx.files.open(fx.dir / "missing", io::open_mode::read_only, ec);
  BOOST_TEST((ec == boost::system::errc::no_such_file_or_directory));
  BOOST_TEST(!missing.is_open());

  // Writing through a read-only file reports the system's error.
  auto ro = fx.open("s", io::open_mode::read_only);
  char c = 'x';
  result w;
  ro.async_write_some_at(0, boost::asio::buffer(&c, 1), record(w));
  test::run_until(fx.io, [&] { return w.done; });
  BOOST_TEST((w.ec == boost::system::errc::bad_file_descriptor));
}

BOTH_BACKENDS(blocking_work_runs_on_the_service_threads_and_completes_on_the_handlers_executor) {
  backend_fixture fx(kind);
  auto strand = boost::asio::make_strand(fx.io);
  const auto caller = std::this_thread::get_id();
  std::thread::id worker;
  bool on_strand = false, done = false, done_inside = false;
  error_code got;
  fx.files.run_blocking(
      [&] {
        worker = std::this_thread::get_id();
        return error_code(boost::system::errc::file_exists, boost::system::system_category());
      },
      boost::asio::bind_executor(strand, [&](error_code ec) {
        on_strand = strand.running_in_this_thread();
        got = ec;
        done = true;
      }));
  done_inside = done;
  test::run_until(fx.io, [&] { return done; });
  BOOST_TEST(!done_inside);
  BOOST_TEST(on_strand);
  BOOST_TEST((worker != caller));
  BOOST_TEST((got == boost::system::errc::file_exists));  // the work's own result
}

BOTH_BACKENDS(starting_writeback_completes_once_and_a_cancelled_one_completes_aborted) {
  backend_fixture fx(kind);
  auto f = fx.make_file("wb", 1u << 20, 3);
  result r;
  f.async_start_writeback(0, 1u << 20, [&](error_code ec) { r.done = true; r.ec = ec; ++r.calls; });
  test::run_until(fx.io, [&] { return r.done; });
  BOOST_TEST(!r.ec);
  BOOST_TEST(r.calls == 1);

  boost::asio::cancellation_signal signal;
  result c;
  f.async_start_writeback(0, 1u << 20, boost::asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) {
                            c.done = true;
                            c.ec = ec;
                            ++c.calls;
                          }));
  signal.emit(boost::asio::cancellation_type::terminal);
  test::run_until(fx.io, [&] { return c.done; });
  BOOST_TEST((c.ec == boost::asio::error::operation_aborted));
  BOOST_TEST(c.calls == 1);
  // Writeback is a hint: the bytes read back as written either way.
  std::vector<char> back(1u << 20);
  result rd;
  f.async_read_at(0, boost::asio::buffer(back), record(rd));
  test::run_until(fx.io, [&] { return rd.done; });
  BOOST_TEST((back == backend_fixture::pattern(0, 1u << 20, 3)));
}

BOTH_BACKENDS(gathered_pieces_land_whole_in_any_order_and_adjacent_ones_beyond_iov_max) {
  backend_fixture fx(kind);
  auto f = fx.open("pieces");
  // 2,500 adjacent 16-byte pieces (more than IOV_MAX in one run), then scattered 4 KiB ones
  // with holes between them; handed over shuffled.
  std::vector<std::vector<char>> buffers;
  std::vector<io::write_piece> pieces;
  for (std::size_t i = 0; i < 2500; ++i) {
    buffers.push_back(backend_fixture::pattern(i * 16, 16, 5));
  }
  for (std::size_t i = 0; i < 20; ++i) buffers.push_back(backend_fixture::pattern(100000 + i * 8192, 4096, 5));
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    const std::uint64_t at = i < 2500 ? i * 16 : 100000 + (i - 2500) * 8192;
    pieces.push_back({at, buffers[i].data(), buffers[i].size()});
  }
  std::mt19937 rng(3);
  std::shuffle(pieces.begin(), pieces.end(), rng);
  auto strand = boost::asio::make_strand(fx.io);
  result r;
  bool on_strand = false;
  f.async_write_pieces(std::move(pieces), boost::asio::bind_executor(strand, [&](error_code ec) {
                         on_strand = strand.running_in_this_thread();
                         record(r)(ec);
                       }));
  BOOST_TEST(!r.done);  // never inside the call
  test::run_until(fx.io, [&] { return r.done; });
  BOOST_TEST(!r.ec);
  BOOST_TEST(r.calls == 1);
  BOOST_TEST(on_strand);
  const std::size_t size = 100000 + 19 * 8192 + 4096;
  error_code ec;
  BOOST_TEST_REQUIRE(f.size(ec) == size);
  std::vector<char> back(size);
  result rd;
  f.async_read_at(0, boost::asio::buffer(back), record(rd));
  test::run_until(fx.io, [&] { return rd.done; });
  auto expected = std::vector<char>(size, 0);
  auto run = backend_fixture::pattern(0, 2500 * 16, 5);
  std::copy(run.begin(), run.end(), expected.begin());
  for (std::size_t i = 0; i < 20; ++i) {
    auto piece = backend_fixture::pattern(100000 + i * 8192, 4096, 5);
    std::copy(piece.begin(), piece.end(), expected.begin() + static_cast<long>(100000 + i * 8192));
  }
  BOOST_TEST((back == expected));

  // Through a read-only file: the system's error.
  auto ro = fx.open("pieces", io::open_mode::read_only);
  char c = 'x';
  result w;
  ro.async_write_pieces({{0, &c, 1}}, [&](error_code e) { record(w)(e); });
  test::run_until(fx.io, [&] { return w.done; });
  BOOST_TEST((w.ec == boost::system::errc::bad_file_descriptor));
}

// A log's durable flush: the bytes written whole, then synced, one completion on the
// handler's executor, never inside the call; the system's error through a read-only file.
BOTH_BACKENDS(a_write_and_its_sync_complete_once_on_the_handlers_executor) {
  backend_fixture fx(kind);
  auto f = fx.make_file("logged", 100);
  const auto body = backend_fixture::pattern(100, 70000, 0);  // continues make_file's pattern
  auto strand = boost::asio::make_strand(fx.io);
  result r;
  bool on_strand = false;
  f.async_write_and_sync_data(100, boost::asio::buffer(body), boost::asio::bind_executor(strand, [&](error_code ec) {
                                on_strand = strand.running_in_this_thread();
                                record(r)(ec);
                              }));
  BOOST_TEST(!r.done);
  test::run_until(fx.io, [&] { return r.done; });
  BOOST_TEST(!r.ec);
  BOOST_TEST(r.calls == 1);
  BOOST_TEST(on_strand);
  error_code ec;
  BOOST_TEST_REQUIRE(f.size(ec) == 70100u);
  std::vector<char> back(70100);
  result rd;
  f.async_read_at(0, boost::asio::buffer(back), record(rd));
  test::run_until(fx.io, [&] { return rd.done; });
  BOOST_TEST((back == backend_fixture::pattern(0, 70100, 0)));

  auto ro = fx.open("logged", io::open_mode::read_only);
  result w;
  ro.async_write_and_sync_data(0, boost::asio::buffer(body.data(), 1), [&](error_code e) { record(w)(e); });
  test::run_until(fx.io, [&] { return w.done; });
  BOOST_TEST((w.ec == boost::system::errc::bad_file_descriptor));
  BOOST_TEST(w.calls == 1);
}

// A spill's checksums are computed where its pages are written: `before` runs once, on the
// file layer's thread, before the first write, and what it puts in the buffers is written.
BOTH_BACKENDS(gathered_pieces_are_prepared_on_the_writing_thread_first) {
  backend_fixture fx(kind);
  auto f = fx.open("prepared");
  std::vector<char> head(4, 0), body = backend_fixture::pattern(4, 8188, 7);
  // Written on the file layer's thread, read here after the completion, which that thread
  // posts to the io_context: ordered by the post.
  int runs = 0;
  std::thread::id ran_on;
  auto prepare = [&] {
    ++runs;
    ran_on = std::this_thread::get_id();
    std::fill(head.begin(), head.end(), 'h');
  };
  result r;
  f.async_write_pieces({{4, body.data(), body.size()}, {0, head.data(), head.size()}}, prepare, record(r));
  test::run_until(fx.io, [&] { return r.done; });
  BOOST_TEST(!r.ec);
  BOOST_TEST(runs == 1);
  BOOST_TEST((ran_on != std::this_thread::get_id()));
  std::vector<char> back(8192);
  result rd;
  f.async_read_at(0, boost::asio::buffer(back), record(rd));
  test::run_until(fx.io, [&] { return rd.done; });
  std::vector<char> expected(8192, 'h');
  std::copy(body.begin(), body.end(), expected.begin() + 4);
  BOOST_TEST((back == expected));
}

BOOST_AUTO_TEST_CASE(environment_variable_forces_the_backend) {
  boost::asio::io_context io;
  ::setenv(io::backend_environment_variable, "thread_pool", 1);
  BOOST_TEST((io::file_service(io.get_executor(), backend_kind::automatic).kind() ==
              backend_kind::thread_pool));
  ::setenv(io::backend_environment_variable, "io_uring", 1);
  BOOST_TEST((io::file_service(io.get_executor(), backend_kind::automatic).kind() ==
              backend_kind::io_uring));
  // An explicit choice wins over the environment.
  BOOST_TEST((io::file_service(io.get_executor(), backend_kind::thread_pool).kind() ==
              backend_kind::thread_pool));
  ::setenv(io::backend_environment_variable, "floppy", 1);
  BOOST_CHECK_THROW(io::file_service(io.get_executor(), backend_kind::automatic),
                    boost::system::system_error);
  ::unsetenv(io::backend_environment_variable);
  BOOST_TEST((io::file_service(io.get_executor(), backend_kind::automatic).kind() ==
              (io::io_uring_available() ? backend_kind::io_uring : backend_kind::thread_pool)));
}

// The read a cache miss tries first, on the strand: only what the OS page cache holds.
BOOST_AUTO_TEST_CASE(a_cached_read_copies_only_what_the_os_page_cache_holds) {
  backend_fixture f(backend_kind::thread_pool);
  auto file = f.make_file("cached", 1 << 20, 3);
  const int fd = file.native_handle();
  std::vector<char> got(8192);
  // Just written: in the OS page cache, so it is read, exactly.
  BOOST_TEST_REQUIRE(io::posix::read_cached_at(fd, got.data(), got.size(), 65536));
  const auto want = backend_fixture::pattern(65536, got.size(), 3);
  BOOST_TEST((got == want));
  // Past the end (a short read) is false: the caller reads the ordinary way.
  BOOST_TEST(!io::posix::read_cached_at(fd, got.data(), got.size(), (1 << 20) - 4096));
  BOOST_TEST(!io::posix::read_cached_at(-1, got.data(), got.size(), 0));
  // Written back and dropped from the OS page cache: the read would wait for the disk, so
  // the call declines it, having at most started the kernel's readahead. On a fast disk
  // that readahead can land before the call looks again (seen once, in a ThreadSanitizer
  // run); then the pages are cached and the call copies them. Either way it never hands
  // back bytes other than the file's.
  // The drop skips a page whose lock someone holds at that moment (reclaim, under the load
  // of tests running beside this one), so it is checked with mincore and tried again.
  bool dropped = false;
  for (int attempt = 0; attempt < 20 && !dropped; ++attempt) {
    dropped = test::drop_os_cache(f.dir / "cached") && !test::os_cached(f.dir / "cached", 512 << 10, got.size());
  }
  if (dropped) {
    std::fill(got.begin(), got.end(), '\0');
    if (io::posix::read_cached_at(fd, got.data(), got.size(), 512 << 10)) {
      BOOST_TEST((got == backend_fixture::pattern(512 << 10, got.size(), 3)));
      BOOST_TEST(test::os_cached(f.dir / "cached", 512 << 10, got.size()));  // it read the cache
    }
  }
}

// A log generation is made with zeros, written in pieces whose write-back starts as each
// is written: every byte of the range is zero and allocated (not a hole), and the bytes
// before it are left alone, wherever the range ends within a piece.
BOOST_AUTO_TEST_CASE(zeros_fill_the_range_in_full_and_allocate_it) {
  test::temp_dir dir;
  io::posix::unique_fd fd;
  BOOST_TEST_REQUIRE(!io::posix::open(dir / "zeros", O_RDWR | O_CREAT | O_TRUNC, fd));
  constexpr std::uint64_t from = 4096, to = (300u << 10) + 123;  // not a whole number of pieces
  const std::vector<unsigned char> marks(to + 4096, 0xab);
  BOOST_TEST_REQUIRE(!io::posix::write_all_at(fd.get(), marks.data(), marks.size(), 0));
  BOOST_TEST_REQUIRE(!io::posix::write_zeros(fd.get(), from, to));
  BOOST_TEST_REQUIRE(!io::posix::sync(fd.get()));
  std::vector<unsigned char> got(marks.size());
  std::size_t n = 0;
  BOOST_TEST_REQUIRE(!io::posix::read_at(fd.get(), got.data(), got.size(), 0, n));
  BOOST_TEST_REQUIRE(n == got.size());
  BOOST_TEST(std::all_of(got.begin(), got.begin() + from, [](unsigned char c) { return c == 0xab; }));
  BOOST_TEST(std::all_of(got.begin() + from, got.begin() + to, [](unsigned char c) { return c == 0; }));
  BOOST_TEST(std::all_of(got.begin() + to, got.end(), [](unsigned char c) { return c == 0xab; }));
  // Into a new file, as a generation is made: the zeros make it that long, with no hole.
  io::posix::unique_fd fresh;
  BOOST_TEST_REQUIRE(!io::posix::open(dir / "fresh", O_RDWR | O_CREAT | O_TRUNC, fresh));
  BOOST_TEST_REQUIRE(!io::posix::write_zeros(fresh.get(), 0, to));
  BOOST_TEST_REQUIRE(!io::posix::sync(fresh.get()));
  struct stat st {};
  BOOST_TEST_REQUIRE(::fstat(fresh.get(), &st) == 0);
  BOOST_TEST(static_cast<std::uint64_t>(st.st_size) == to);
  BOOST_TEST(static_cast<std::uint64_t>(st.st_blocks) * 512 >= to);
}

BOOST_AUTO_TEST_CASE(backend_names_round_trip) {
  for (auto k : {backend_kind::automatic, backend_kind::io_uring, backend_kind::thread_pool}) {
    BOOST_TEST((io::parse_backend_kind(io::to_string(k)) == k));
  }
  BOOST_TEST(!io::parse_backend_kind("uring"));
}

BOOST_AUTO_TEST_SUITE_END()
