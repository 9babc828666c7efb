// A host application: its own io_context, an engine on it, one instance. Exits 0 only if
// the instance runs and the error category is usable.
#include <jetstrand/engine.hpp>
#include <jetstrand/net/http_error.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <filesystem>

int main(int, char** argv) {
  boost::asio::io_context io;
  jetstrand::engine_options options;
  options.data_dir = std::filesystem::path(argv[0]).parent_path() / "consumer-data";
  jetstrand::engine eng(io.get_executor(), options);
  bool running = false;
  eng.async_create_instance("host", [&](boost::system::error_code ec,
                                        std::shared_ptr<jetstrand::instance> inst) {
    running = !ec && inst && inst->state() == jetstrand::instance_state::running;
    eng.async_shutdown([](boost::system::error_code) {});
  });
  io.run();
  auto err = jetstrand::net::make_http_error(jetstrand::jet_errc::backup_abort_by_server);
  std::printf("running=%d status=%u\n", running, err.status);
  return running && err.status == 409 ? 0 : 1;
}
