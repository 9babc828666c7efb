#pragma once
// What the backup measurements share: an engine on two io threads over a scratch data
// directory, with an instance "bench" holding a database "d" filled to a given size, torn
// down (instance terminated, directory removed) at the end.

#include "jetstrand/engine.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

namespace jetstrand::bench {

class bench_instance {
 public:
  // `name` makes the directory: <parent>/jetstrand-<name>-<pid>.
  bench_instance(const std::filesystem::path& parent, const std::string& name, io::backend_kind backend);
  ~bench_instance();
  bench_instance(const bench_instance&) = delete;
  bench_instance& operator=(const bench_instance&) = delete;

  // Puts values of `value_size` bytes under keys "k0", "k1", …, `per_commit` to a
  // transaction, `in_flight` commits at a time, until about `bytes` are stored; then
  // checkpoints and reads the database file once so the page cache holds it. Returns the
  // number of keys.
  std::uint64_t fill(std::uint64_t bytes, std::size_t value_size, int per_commit, int in_flight);

  // The database file of "d".
  std::filesystem::path database_file() const;

  boost::asio::io_context& io() { return io_; }
  engine& eng() { return *engine_; }
  const std::shared_ptr<instance>& inst() const { return inst_; }
  const std::filesystem::path& directory() const { return dir_; }

 private:
  std::filesystem::path dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> runners_;
  std::unique_ptr<engine> engine_;
  std::shared_ptr<instance> inst_;
};

}  // namespace jetstrand::bench
