// Test helper: commits two-key transactions in a loop (a few in flight at once) into
// instance "crash", database "d", and prints "acked <n>" once transaction n is durable.
// Runs until it is killed. Usage: crash_writer DATA_DIR PREFIX [io_uring|thread_pool [tiny]]
// "tiny": a cache of 256 KiB over 4 KiB pages (nearly every access misses and evicts, and
// dirty leaves are spilled between checkpoints 300 ms apart), a long value (20 to 200 KB)
// in every fifth transaction, and every other transaction a lazy commit, acknowledged as
// "lazy <n>" (it may be lost in the crash, never torn).
#include "jetstrand/engine.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstdio>
#include <string>
#include <unistd.h>

using namespace jetstrand;

namespace {
void say(const std::string& line) {
  std::string l = line + "\n";
  if (::write(1, l.data(), l.size()) < 0) ::_exit(3);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  engine_options o;
  o.data_dir = argv[1];
  o.storage.log_file_size = 128 << 10;
  o.storage.checkpoint_interval = std::chrono::milliseconds(20);
  if (argc > 3) o.file_backend = *io::parse_backend_kind(argv[3]);
  const bool tiny = argc > 4 && std::string(argv[4]) == "tiny";
  if (tiny) {
    o.cache_size = 256 << 10;
    o.storage.page_size = 4096;
    // Checkpoints seldom: most kills come after dirty leaves were spilled (written to free
    // pages, no header naming them yet), which recovery must leave alone.
    o.storage.checkpoint_interval = std::chrono::milliseconds(300);
  }
  const std::string prefix = argv[2];

  boost::asio::io_context io;
  engine eng(io.get_executor(), o);
  std::shared_ptr<instance> inst;
  std::atomic<long> next{0};
  std::function<void()> start_one = [&] {
    long n = next++;
    transaction t;
    std::size_t filler = static_cast<std::size_t>(n % 200);
    if (tiny && n % 5 == 0) filler = 20000 + static_cast<std::size_t>(n * 7919 % 180000);
    std::string value = prefix + "-" + std::to_string(n) + std::string(filler, static_cast<char>('a' + n % 26));
    t.put("d", prefix + "-a-" + std::to_string(n), value);
    t.put("d", prefix + "-b-" + std::to_string(n), value);
    const bool lazy = tiny && n % 2 == 1;
    t.set_lazy_flush(lazy);
    inst->async_commit(std::move(t), [&, n, lazy](boost::system::error_code ec) {
      if (ec) {
        say("error " + ec.message());
        ::_exit(4);
      }
      say((lazy ? "lazy " : "acked ") + std::to_string(n));
      start_one();
    });
  };
  eng.async_create_instance("crash", [&](boost::system::error_code ec, std::shared_ptr<instance> i) {
    if (ec) {
      say("error " + ec.message());
      ::_exit(5);
    }
    inst = i;
    auto names = inst->database_names();
    auto go = [&] {
      say("ready");
      for (int k = 0; k < 4; ++k) start_one();
    };
    if (names.empty()) {
      inst->async_create_database("d", [go](boost::system::error_code e) {
        if (e) ::_exit(6);
        go();
      });
    } else {
      go();
    }
  });
  io.run();
}
