// jetstrand as kv_system: an engine of its own (two I/O threads), one instance, one
// database; the bench's threads call it with jetstrand::blocking, as a host's request
// threads would (an idle instance answers on the calling thread).
#include "kv_system.hpp"

#include "jetstrand/blocking.hpp"
#include "jetstrand/engine.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <thread>
#include <vector>

namespace jetstrand::bench {
namespace {

using boost::asio::use_future;

class jetstrand_kv final : public kv_system {
 public:
  jetstrand_kv(const std::filesystem::path& dir, std::size_t cache_bytes, std::size_t page_size) {
    engine_options o;
    o.data_dir = dir;
    o.cache_size = cache_bytes;
    o.storage.page_size = page_size;
    o.storage.log_file_size = 64 << 20;
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    eng_ = std::make_unique<engine>(io_.get_executor(), o);
    inst_ = eng_->async_create_instance("kv", use_future).get();
    inst_->async_create_database("d", use_future).get();
  }
  ~jetstrand_kv() override {
    eng_->async_shutdown(use_future).get();
    eng_.reset();
    guard_.reset();
    for (auto& t : threads_) t.join();
  }
  std::string name() const override { return "jetstrand"; }
  void put(const std::string& key, const std::string& value, bool durable) override {
    transaction t;
    t.put("d", key, value);
    t.set_lazy_flush(!durable);
    auto [ec] = inst_->async_commit(std::move(t), blocking);
    if (ec) throw boost::system::system_error(ec, "commit");
  }
  bool get(const std::string& key, std::string& value) override {
    auto [ec, v] = inst_->async_get("d", key, blocking);
    if (ec) return false;
    value = std::move(v);
    return true;
  }
  std::size_t scan(const std::string& from, std::size_t n) override {
    auto [ec, found] = inst_->async_scan("d", from, "", n, blocking);
    if (ec) throw boost::system::system_error(ec, "scan");
    return found.size();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ =
      boost::asio::make_work_guard(io_);
  std::vector<std::thread> threads_;
  std::unique_ptr<engine> eng_;
  std::shared_ptr<instance> inst_;
};

}  // namespace

std::unique_ptr<kv_system> make_jetstrand_kv(const std::filesystem::path& dir, std::size_t cache_bytes,
                                             std::size_t page_size) {
  return std::make_unique<jetstrand_kv>(dir, cache_bytes, page_size);
}

}  // namespace jetstrand::bench
