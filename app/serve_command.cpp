#include "serve_command.hpp"

#include "command_line/command.hpp"

#include "jetstrand/engine.hpp"
#include "jetstrand/log.hpp"
#include "jetstrand/net/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <cstdlib>
#include <future>
#include <iostream>
#include <optional>
#include <thread>

namespace jetstrand::cli {
using namespace jetstrand::command_line;

namespace {

command serve_cli() {
  command c("jetstrand serve [options]",
            "Runs the storage engine with its HTTP control endpoint. With no options it serves a\n"
            "default instance (\"default\", with a database \"default\") in ./jetstrand-data on\n"
            "http://127.0.0.1:8642. Data written there survives restarts and crashes: at start every\n"
            "instance found in the data directory is opened and recovered.",
            "SIGINT or SIGTERM stops the server cleanly (exit status 0).");
  c.options()
      ("data", text("DIR")->default_value("./jetstrand-data"), "data directory")
      ("listen", text("HOST:PORT")->default_value("127.0.0.1:8642"),
       "address to listen on (port 0 picks one). Anything but loopback exposes the engine: use --token with it.")
      ("token", text("TOKEN"),
       "require \"Authorization: Bearer TOKEN\" on every route but /healthz and the dashboard page at / "
       "(it asks for the token) (default: the JETSTRAND_TOKEN environment variable, else none)")
      ("metrics-open", flag(), "with a token: let /metrics be read without it")
      ("tls-cert", text("FILE"),
       "serve HTTPS only (TLS 1.2 or later) with this PEM certificate chain (the server's certificate first); "
       "needs --tls-key")
      ("tls-key", text("FILE"), "the PEM private key of --tls-cert")
      ("max-connections", number(1, 1'000'000)->default_value(512, "512"), "connections served at once; more wait")
      ("cache-size", size(256u << 10)->default_value(256u << 20, "256M"),
       "memory for database pages, all instances together, e.g. 64M or 2G (at least 256K). Databases may be "
       "far larger.")
      ("one-instance", flag(), "ESE one-instance mode (the legacy instance-less calls work)")
      ("log-level", one_of({"trace", "debug", "info", "warning", "error", "off"}, "LEVEL")->default_value("info"),
       "trace, debug, info, warning, error or off")
      ("file-backend", one_of({"auto", "io_uring", "thread_pool"}, "KIND"),
       "auto, io_uring or thread_pool (default: auto, or the JETSTRAND_FILE_BACKEND environment variable)")
      ("threads", number(1, 64)->default_value(2, "2"), "I/O threads");
  return c;
}

std::string format_endpoint(const net::server_options& o) {
  auto a = o.address.to_string();
  return (o.address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(o.port);
}

struct serve_config {
  engine_options engine;
  net::server_options server;
  log_level level = log_level::info;
  int threads = 2;
};

serve_config parse(const command& c) {
  serve_config config;
  config.engine.data_dir = c.get<std::string>("data");
  const auto listen = c.get<std::string>("listen");
  if (std::string error; !net::parse_listen_address(listen, config.server, error)) {
    throw usage_error("--listen " + listen + ": " + error);
  }
  if (auto v = c.find<std::string>("token")) {
    config.server.token = *v;
  } else if (const char* env = std::getenv("JETSTRAND_TOKEN"); env && *env) {
    config.server.token = env;
  }
  if (c.get<bool>("one-instance")) config.engine.mode = instance_mode::one;
  config.server.metrics_open = c.get<bool>("metrics-open");
  config.server.tls_certificate_chain = c.find<std::string>("tls-cert").value_or("");
  config.server.tls_private_key = c.find<std::string>("tls-key").value_or("");
  if (config.server.tls_certificate_chain.empty() != config.server.tls_private_key.empty()) {
    throw usage_error("--tls-cert and --tls-key go together");
  }
  config.server.max_connections = static_cast<std::size_t>(c.get<long long>("max-connections"));
  config.engine.cache_size = static_cast<std::size_t>(c.get<std::uint64_t>("cache-size"));
  config.level = *parse_log_level(c.get<std::string>("log-level"));
  if (auto v = c.find<std::string>("file-backend")) config.engine.file_backend = *io::parse_backend_kind(*v);
  config.threads = static_cast<int>(c.get<long long>("threads"));
  return config;
}

}  // namespace

int serve_command(std::span<char*> argv) {
  command cli = serve_cli();
  if (!cli.parse(argv, std::cout)) return 0;
  serve_config config = parse(cli);
  enable_console_logging(config.level);
  if (!config.server.address.is_loopback()) {
    std::cerr << "warning: listening on " << config.server.address.to_string()
              << ", which is not loopback"
              << (config.server.token.empty() ? ", and without --token" : "") << "\n";
  }

  boost::asio::io_context io(config.threads);
  engine eng(io.get_executor(), config.engine);
  std::optional<net::server> srv;
  try {
    srv.emplace(io.get_executor(), eng, config.server);
  } catch (const boost::system::system_error& e) {
    // e.what() carries Asio's source location: say what failed and what to do instead.
    std::cerr << "jetstrand serve: cannot listen on " << format_endpoint(config.server) << ": "
              << e.code().message()
              << (e.code() == boost::asio::error::address_in_use
                      ? " (another server runs there: stop it, or pick another port with --listen)"
                      : "")
              << "\n";
    return 1;
  } catch (const std::runtime_error& e) {
    std::cerr << "jetstrand serve: " << e.what() << "\n";
    return 1;
  }

  // Keeps run() going between set-up steps; shutdown ends it with io.stop().
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < config.threads; ++i) threads.emplace_back([&] { io.run(); });
  auto join_all = [&] {
    for (auto& t : threads) t.join();
  };

  // Every instance in the data directory (recovered), then the embedded default: an
  // instance made over HTTP or by a restore is never hidden by a restart.
  std::string opening = "default";
  try {
    std::promise<std::pair<boost::system::error_code, engine::open_report>> opened;
    eng.async_open_instances([&](boost::system::error_code ec, engine::open_report r) {
      opened.set_value({ec, std::move(r)});
    });
    auto [ec, report] = opened.get_future().get();
    for (const auto& inst : report.opened) std::cout << "opened instance " << inst->name() << "\n";
    if (ec) {
      opening = report.failed;
      throw boost::system::system_error(ec);
    }
    opening = "default";
    auto inst = eng.find_instance("default");
    // In one-instance mode an instance found on disk is the one instance.
    if (!inst && (config.engine.mode == instance_mode::multi || eng.instances().empty())) {
      inst = eng.async_create_instance("default", boost::asio::use_future).get();
    }
    if (inst) {
      // The embedded default also has a database "default" (made on first start).
      auto names = inst->database_names();
      if (std::find(names.begin(), names.end(), "default") == names.end()) {
        inst->async_create_database("default", boost::asio::use_future).get();
      }
    }
  } catch (const boost::system::system_error& e) {
    std::cerr << "jetstrand serve: cannot open instance '" << opening << "' in "
              << (config.engine.data_dir / opening).string() << ": " << e.code().message()
              << (e.code() == jet_errc::file_access_denied ? " (another jetstrand serve uses this data directory)" : "")
              << "\n";
    io.stop();
    join_all();
    return 1;
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    std::cerr << "jetstrand serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
              << ", shutting down\n";
    srv->stop();
    eng.async_shutdown([&](boost::system::error_code) { io.stop(); });
  });

  srv->start();
  auto ep = srv->local_endpoint();
  std::cout << "jetstrand serving " << (config.server.tls_certificate_chain.empty() ? "http" : "https") << "://"
            << (ep.address().is_v6() ? "[" + ep.address().to_string() + "]"
                                     : ep.address().to_string())
            << ":" << ep.port() << " (data: " << config.engine.data_dir.string()
            << ", file backend: " << io::to_string(eng.file_backend())
            << ", mode: " << to_string(config.engine.mode) << ")" << std::endl;
  join_all();
  return 0;
}

}  // namespace jetstrand::cli
