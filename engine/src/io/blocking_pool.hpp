#pragma once
// The threads that run blocking file calls (pread/pwrite for the thread_pool backend, and
// fdatasync for both). Shared by the service and every file it opened, so it lives as long
// as any of them.

#include <boost/asio/thread_pool.hpp>

namespace jetstrand::io::detail {

class blocking_pool {
 public:
  explicit blocking_pool(std::size_t threads) : pool_(threads) {}
  ~blocking_pool() { pool_.join(); }
  boost::asio::thread_pool::executor_type get_executor() noexcept {
    return pool_.get_executor();
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace jetstrand::io::detail
