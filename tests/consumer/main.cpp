// A host application: its own io_context, an engine on it, one instance, a put and a get
// and a backup opened and stopped, all through the installed headers with C++20
// coroutines as the completion token. Exits 0 only if every step gave what it should.
#include <jetstrand/backup/streaming_backup.hpp>
#include <jetstrand/engine.hpp>
#include <jetstrand/net/http_error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

namespace asio = boost::asio;

asio::awaitable<std::string> use_engine(jetstrand::engine& eng) {
  auto inst = co_await eng.async_create_instance("host", asio::use_awaitable);
  co_await inst->async_create_database("db", asio::use_awaitable);
  co_await inst->async_put("db", "key", "value", asio::use_awaitable);
  auto value = co_await inst->async_get("db", "key", asio::use_awaitable);
  co_await jetstrand::backup::async_begin_backup(inst, 0, asio::use_awaitable);
  co_await jetstrand::backup::async_stop_backup(inst, asio::use_awaitable);
  std::string after_stop = "no error";
  try {
    co_await jetstrand::backup::async_attach_info(inst, asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    after_stop = std::to_string(e.code().value());
  }
  co_await jetstrand::backup::async_end_backup(inst, jetstrand::backup::end_abort, asio::use_awaitable);
  co_await eng.async_shutdown(asio::use_awaitable);
  co_return value + " " + after_stop;
}

int main(int, char** argv) {
  asio::io_context io;
  jetstrand::engine_options options;
  options.data_dir = std::filesystem::path(argv[0]).parent_path() / "consumer-data";
  std::filesystem::remove_all(options.data_dir);
  jetstrand::engine eng(io.get_executor(), options);
  std::string result = "not run";
  asio::co_spawn(io, use_engine(eng), [&](std::exception_ptr e, std::string r) {
    result = e ? "failed" : r;
  });
  io.run();
  auto err = jetstrand::net::make_http_error(jetstrand::jet_errc::backup_abort_by_server);
  std::printf("%s status=%u\n", result.c_str(), err.status);
  return result == "value -801" && err.status == 409 ? 0 : 1;
}
