// Test helper: commits two-key transactions in a loop (a few in flight at once) into
// instance "crash", database "d", and prints "acked <n>" once transaction n is durable.
// Runs until it is killed. Usage: crash_writer DATA_DIR PREFIX [io_uring|thread_pool]
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
  const std::string prefix = argv[2];

  boost::asio::io_context io;
  engine eng(io.get_executor(), o);
  std::shared_ptr<instance> inst;
  std::atomic<long> next{0};
  std::function<void()> start_one = [&] {
    long n = next++;
    transaction t;
    std::string value = prefix + "-" + std::to_string(n) + std::string(static_cast<std::size_t>(n % 200), '.');
    t.put("d", prefix + "-a-" + std::to_string(n), value);
    t.put("d", prefix + "-b-" + std::to_string(n), value);
    inst->async_commit(std::move(t), [&, n](boost::system::error_code ec) {
      if (ec) {
        say("error " + ec.message());
        ::_exit(4);
      }
      say("acked " + std::to_string(n));
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
