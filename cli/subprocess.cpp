// Child processes: fork and exec with stderr in a scratch file, waited for with a deadline.
#include "cli/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "sim/input_error.hpp"

namespace interleave::cli {

std::string self_executable() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw InputError("cannot find the running executable (/proc/self/exe)");
  return std::string(path, static_cast<std::size_t>(n));
}

ChildResult run_child(const std::vector<std::string>& argv, double deadline_s) {
  char err_path[] = "/tmp/interleave-child-XXXXXX";
  const int err_fd = ::mkstemp(err_path);
  if (err_fd < 0) throw InputError("cannot create a scratch file in /tmp for a child's stderr");
  ::unlink(err_path);  // the descriptor keeps it while we read it

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  ChildResult r;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(err_fd);
    throw InputError("cannot start a child process (fork failed)");
  }
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(deadline_s));
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

  ::lseek(err_fd, 0, SEEK_SET);
  char buf[4096];
  for (ssize_t n; (n = ::read(err_fd, buf, sizeof buf)) > 0;) {
    r.err.append(buf, static_cast<std::size_t>(n));
  }
  ::close(err_fd);
  return r;
}

}  // namespace interleave::cli
