// jetstrand beside its peers: the whole backup driver into a directory backup set (files
// written and synced, manifest committed), stopped with async_stop_backup from the caller's
// thread.
#include "bench_instance.hpp"
#include "bench_clock.hpp"
#include "peer_system.hpp"

#include "jetstrand/backup/backup_driver.hpp"
#include "jetstrand/backup/directory_sink.hpp"
#include "jetstrand/backup/streaming_backup.hpp"
#include "wait_token.hpp"

#include <future>

namespace jetstrand::bench {
namespace {

class jetstrand_running final : public running_backup {
 public:
  jetstrand_running(bench_instance& bi, const std::filesystem::path& to) : inst_(bi.inst()), sink_(to) {
    backup::async_run_backup(bi.io().get_executor(), inst_, sink_, {},
                             [this](boost::system::error_code ec, backup::backup_report) {
                               end_ns_ = steady_ns();
                               done_.set_value(ec);
                             });
  }
  ~jetstrand_running() override { result_.wait(); }
  void stop() override { backup::async_stop_backup(inst_, [](boost::system::error_code) {}); }
  bool wait() override {
    const auto ec = result_.get();
    if (ec && ec != jet_errc::backup_abort_by_server) throw boost::system::system_error(ec, "backup");
    return ec == jet_errc::backup_abort_by_server;
  }

 private:
  std::shared_ptr<instance> inst_;
  backup::directory_sink sink_;
  std::promise<boost::system::error_code> done_;
  std::shared_future<boost::system::error_code> result_ = done_.get_future().share();
};

class jetstrand_peer final : public peer_system {
 public:
  explicit jetstrand_peer(const std::filesystem::path& dir) : bi_(dir, "peers", io::backend_kind::automatic) {}
  std::string name() const override { return "jetstrand"; }
  std::string granularity() const override { return "1 MiB reads, 256 KiB chunks"; }
  void fill(std::uint64_t bytes) override {
    bi_.fill(bytes, 2000, 64, 4);
    // As in steady state: an earlier backup truncated the logs it copied, so a backup holds
    // the database and a short log range, the same volume as the peers' copies.
    backup::null_sink sink;
    backup::driver_options o;
    o.truncate_logs = true;
    auto [ec, rep] = backup::async_run_backup(bi_.io().get_executor(), bi_.inst(), sink, o, test::wait).get();
    if (ec) throw boost::system::system_error(ec, "backup");
  }
  std::uint64_t backup(const std::filesystem::path& to) override {
    backup::directory_sink sink(to);
    auto [ec, rep] = backup::async_run_backup(bi_.io().get_executor(), bi_.inst(), sink, {}, test::wait).get();
    if (ec) throw boost::system::system_error(ec, "backup");
    return rep.bytes;
  }
  std::unique_ptr<running_backup> start_backup(const std::filesystem::path& to) override {
    return std::make_unique<jetstrand_running>(bi_, to);
  }

 private:
  bench_instance bi_;
};

}  // namespace

std::unique_ptr<peer_system> make_jetstrand_peer(const std::filesystem::path& dir) {
  return std::make_unique<jetstrand_peer>(dir);
}

}  // namespace jetstrand::bench
