#include "file_read_bench.hpp"

#include "bench_options.hpp"

#include "io/file_service.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace jetstrand::bench {
namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  std::uint64_t size;
  std::size_t chunk;
  int passes;
  std::filesystem::path dir;
};

// The best of `passes` full sequential reads, in GiB/s.
template <typename ReadAll>
double best_gib_per_s(const options& o, ReadAll read_all) {
  double best = 0;
  for (int p = 0; p < o.passes; ++p) {
    auto t0 = clock_type::now();
    std::uint64_t n = read_all();
    double s = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (n != o.size) throw std::runtime_error("short read");
    best = std::max(best, static_cast<double>(n) / s / (1ull << 30));
  }
  return best;
}

double pread_loop(const options& o, const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  std::vector<char> buf(o.chunk);
  double r = best_gib_per_s(o, [&] {
    std::uint64_t off = 0;
    while (true) {
      ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
      if (n <= 0) break;
      off += static_cast<std::uint64_t>(n);
    }
    return off;
  });
  ::close(fd);
  return r;
}

double async_loop(const options& o, const std::filesystem::path& path, io::backend_kind kind) {
  boost::asio::io_context ioc(1);
  io::file_service files(ioc.get_executor(), kind);
  boost::system::error_code ec;
  auto f = files.open(path, io::open_mode::read_only, ec);
  if (ec) throw boost::system::system_error(ec);
  std::vector<char> buf(o.chunk);
  return best_gib_per_s(o, [&] {
    std::uint64_t off = 0;
    bool done = false;
    std::function<void(boost::system::error_code, std::size_t)> next =
        [&](boost::system::error_code e, std::size_t n) {
          if (e || n == 0) {
            done = true;
            return;
          }
          off += n;
          f.async_read_some_at(off, boost::asio::buffer(buf), next);
        };
    f.async_read_some_at(0, boost::asio::buffer(buf), next);
    ioc.restart();
    ioc.run();
    return done ? off : 0;
  });
}

}  // namespace

int file_read(std::span<char*> args) {
  command c("jetstrand-bench file-read [options]",
            "Reads one file through the async file layer, per backend, against a pread loop over the\n"
            "same file (the page cache warm).");
  c.options()
      ("size", size(1)->default_value(256ull << 20, "256M"), "the file's size")
      ("chunk", size(1)->default_value(64 << 10, "64K"), "bytes per read")
      ("passes", number(1, 1000)->default_value(5, "5"), "reads of the whole file, the best counts");
  add_scratch_dir(c);
  if (!c.parse(args, std::cout)) return 0;
  const options o{c.get<std::uint64_t>("size"), static_cast<std::size_t>(c.get<std::uint64_t>("chunk")),
                  static_cast<int>(c.get<long long>("passes")), c.get<std::string>("dir")};

  auto path = o.dir / ("jetstrand-bench-" + std::to_string(::getpid()));
  {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<char> block(1 << 20, 'j');
    for (std::uint64_t w = 0; w < o.size; w += block.size()) {
      auto n = std::min<std::uint64_t>(block.size(), o.size - w);
      if (::write(fd, block.data(), n) != static_cast<ssize_t>(n)) throw std::runtime_error("write failed");
    }
    ::close(fd);
  }
  double ceiling = pread_loop(o, path);  // also warms the page cache
  std::vector<io::backend_kind> kinds{io::backend_kind::thread_pool};
  if (io::io_uring_available()) kinds.insert(kinds.begin(), io::backend_kind::io_uring);
  for (auto kind : kinds) {
    double r = async_loop(o, path, kind);
    boost::json::object line{{"bench", "file-read"},
                             {"backend", std::string(io::to_string(kind))},
                             {"size", o.size},
                             {"chunk", o.chunk},
                             {"gib_per_s", r},
                             {"ceiling_gib_per_s", ceiling},
                             {"ratio", r / ceiling}};
    std::cout << boost::json::serialize(line) << std::endl;
  }
  std::filesystem::remove(path);
  return 0;
}

}  // namespace jetstrand::bench
