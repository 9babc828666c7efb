#include "bench_instance.hpp"

#include "jetstrand/transaction.hpp"

#include <fstream>
#include <future>
#include <unistd.h>

namespace jetstrand::bench {

namespace {
void check(boost::system::error_code ec, const char* what) {
  if (ec) throw boost::system::system_error(ec, what);
}
}  // namespace

bench_instance::bench_instance(const std::filesystem::path& parent, const std::string& name,
                               io::backend_kind backend)
    : dir_(parent / ("jetstrand-" + name + "-" + std::to_string(::getpid()))),
      guard_(boost::asio::make_work_guard(io_)) {
  std::filesystem::remove_all(dir_);
  for (int i = 0; i < 2; ++i) runners_.emplace_back([this] { io_.run(); });
  engine_options eo;
  eo.data_dir = dir_;
  eo.file_backend = backend;
  eo.storage.log_file_size = 64 << 20;
  engine_ = std::make_unique<engine>(io_.get_executor(), eo);
  std::promise<std::pair<boost::system::error_code, std::shared_ptr<instance>>> made;
  engine_->async_create_instance("bench", [&](boost::system::error_code ec, std::shared_ptr<instance> i) {
    made.set_value({ec, std::move(i)});
  });
  auto [ec, i] = made.get_future().get();
  check(ec, "create instance");
  inst_ = std::move(i);
  std::promise<boost::system::error_code> db;
  inst_->async_create_database("d", [&](boost::system::error_code e) { db.set_value(e); });
  check(db.get_future().get(), "create database");
}

bench_instance::~bench_instance() {
  std::promise<void> down;
  engine_->async_shutdown([&](boost::system::error_code) { down.set_value(); });
  down.get_future().wait();
  inst_.reset();
  engine_.reset();
  guard_.reset();
  for (auto& r : runners_) r.join();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::uint64_t bench_instance::fill(std::uint64_t bytes, std::size_t value_size, int per_commit, int in_flight) {
  const std::string value(value_size, 'v');
  std::uint64_t n = 0;
  for (std::uint64_t stored = 0; stored < bytes;) {
    std::vector<std::future<boost::system::error_code>> batch;
    for (int c = 0; c < in_flight && stored < bytes; ++c) {
      transaction t;
      for (int i = 0; i < per_commit; ++i, ++n, stored += value.size() + 16) t.put("d", "k" + std::to_string(n), value);
      auto pr = std::make_shared<std::promise<boost::system::error_code>>();
      batch.push_back(pr->get_future());
      inst_->async_commit(std::move(t), [pr](boost::system::error_code ec) { pr->set_value(ec); });
    }
    for (auto& f : batch) check(f.get(), "commit");
  }
  std::promise<boost::system::error_code> cp;
  inst_->async_checkpoint([&](boost::system::error_code ec) { cp.set_value(ec); });
  check(cp.get_future().get(), "checkpoint");
  std::ifstream warm(database_file(), std::ios::binary);
  std::vector<char> buf(1 << 20);
  while (warm.read(buf.data(), static_cast<std::streamsize>(buf.size()))) {
  }
  return n;
}

std::filesystem::path bench_instance::database_file() const { return dir_ / "bench" / "databases" / "d.jdb"; }

}  // namespace jetstrand::bench
