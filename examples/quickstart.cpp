// The README's example, built and run as a test (example:quickstart): an engine on the
// host's io_context, an instance with a database, a durable commit, a read, a whole backup
// into a directory, and a clean shutdown so that io.run() returns.
#include <jetstrand/backup/backup_driver.hpp>
#include <jetstrand/backup/directory_sink.hpp>
#include <jetstrand/engine.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

int main(int argc, char** argv) {
  const std::filesystem::path dir = argc > 1 ? argv[1] : "quickstart-data";
  boost::asio::io_context io;
  jetstrand::engine_options options;
  options.data_dir = dir / "data";  // instances live in data/<name>
  jetstrand::engine eng(io.get_executor(), options);
  jetstrand::backup::directory_sink sink(dir / "backup-1");
  int status = 1;

  // Every step reports a JET error code; on the first one the engine shuts down.
  auto fail = [&](const char* step, boost::system::error_code ec) {
    std::fprintf(stderr, "%s: %s\n", step, ec.message().c_str());
    eng.async_shutdown([](boost::system::error_code) {});
  };
  eng.async_create_instance("main", [&](boost::system::error_code ec,
                                        std::shared_ptr<jetstrand::instance> inst) {
    if (ec) return fail("create instance", ec);
    inst->async_create_database("users", [&, inst](boost::system::error_code ec) {
      if (ec) return fail("create database", ec);
      jetstrand::transaction t;
      t.put("users", "alice", R"({"plan":"pro"})");
      inst->async_commit(std::move(t), [&, inst](boost::system::error_code ec) {
        if (ec) return fail("commit", ec);  // no error: the commit is durable
        inst->async_get("users", "alice", [&, inst](boost::system::error_code ec, std::string value) {
          if (ec) return fail("get", ec);
          std::printf("alice = %s\n", value.c_str());
          // A whole streaming backup into a directory (a backup set with its manifest).
          jetstrand::backup::async_run_backup(
              io.get_executor(), inst, sink, {},
              [&](boost::system::error_code ec, jetstrand::backup::backup_report report) {
                if (ec) return fail("backup", ec);
                std::printf("backup: %zu files, %llu bytes\n", report.manifest.files.size(),
                            static_cast<unsigned long long>(report.bytes));
                status = 0;
                eng.async_shutdown([](boost::system::error_code) {});  // then io.run() returns
              });
        });
      });
    });
  });
  io.run();
  return status;
}
