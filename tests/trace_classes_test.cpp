// dpor against the ground truth: dfs runs every interleaving, and each run is sorted into its
// Mazurkiewicz trace (its class under the dependence relation). dpor --all must explore every
// class, and one execution per class. Blocking is where a search goes wrong: a lock never
// released, a deadlock, a try_lock that fails, a false assume, condition variables.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/bind.hpp"
#include "models/registry.hpp"
#include "models/std_env.hpp"
#include "sim/dfs_strategy.hpp"
#include "sim/dpor_strategy.hpp"
#include "sim/parallel.hpp"
#include "sim/random_strategy.hpp"
#include "sim/runner.hpp"
#include "tests/trace_classes.hpp"

namespace interleave {
namespace {

struct Case {
  std::string name;
  SimModel model;
};

std::ostream& operator<<(std::ostream& out, const Case& c) {
  return out << c.name;
}

Case from_registry(const std::string& model, const std::string& variant,
                   const std::vector<std::string>& params) {
  const ModelInfo& info = find_model(model);
  std::string name = model + " " + variant;
  for (const std::string& p : params) name += " " + p;
  return Case{name, info.bind(resolve_params(info, variant, params)).sim};
}

/// Two threads wait on one condition variable for different conditions, b first (runs where it
/// does not are cut off). main makes b's condition true and notifies: with notify_one the wake-up
/// may go to a, which waits again, and b waits forever (main joins it: a deadlock). A simulator
/// that always woke the longest waiter (b) never showed it.
SimModel two_conditions(bool notify_all, bool bystander = false) {
  return simulated([notify_all, bystander](auto& env) {
    Mutex<SimEnv> m(env, "m");
    CondVar<SimEnv> cv(env, "cv");
    Shared<SimEnv, int> for_a(env, "for_a", 0);
    Shared<SimEnv, int> for_b(env, "for_b", 0);
    Shared<SimEnv, int> waiting(env, "waiting", 0);
    auto waiter = [&](Shared<SimEnv, int>& flag) {
      m.lock();
      waiting.store(waiting.load() + 1);
      while (flag.load() == 0) cv.wait(m);
      m.unlock();
    };
    auto b = env.spawn("b", [&] { waiter(for_b); });
    auto waiting_now = [&] {
      m.lock();
      const int n = waiting.load();
      m.unlock();
      return n;
    };
    env.assume(waiting_now() == 1);  // b waits
    auto a = env.spawn("a", [&] { waiter(for_a); });
    env.assume(waiting_now() == 2);  // and a after it
    // (with a bystander that tries the mutex while the others use it)
    auto t = env.spawn("t", [&] {
      if (bystander && m.try_lock()) m.unlock();
    });
    m.lock();
    for_b.store(1);
    if (notify_all) {
      cv.notify_all();
    } else {
      cv.notify_one();
    }
    m.unlock();
    b.join();
    m.lock();
    for_a.store(1);
    cv.notify_all();
    m.unlock();
    a.join();
    t.join();
  });
}

enum class Notifies { kUnderTheLock, kOutsideTheLock, kBetweenWrites };

/// Two threads each take an item, waiting on one condition variable until there is one; main
/// puts two, notifying under the lock, outside it (a notify_one, then a notify_all), or under it
/// with a write between the notifies that the waiters read afterwards.
SimModel two_waiters(Notifies how) {
  return simulated([how](auto& env) {
    Mutex<SimEnv> m(env, "m");
    CondVar<SimEnv> cv(env, "cv");
    Shared<SimEnv, int> n(env, "n", 0);
    Shared<SimEnv, int> x(env, "x", 0);
    auto waiter = [&] {
      m.lock();
      while (n.load() == 0) cv.wait(m);
      n.store(n.load() - 1);
      m.unlock();
      if (how == Notifies::kBetweenWrites) (void)x.load();
    };
    auto a = env.spawn("a", waiter);
    auto b = env.spawn("b", waiter);
    if (how == Notifies::kOutsideTheLock) {
      m.lock();
      n.store(2);
      m.unlock();
      cv.notify_one();
      cv.notify_all();
    } else {
      for (int i = 0; i < 2; ++i) {
        m.lock();
        n.store(n.load() + 1);
        cv.notify_one();
        m.unlock();
        if (how == Notifies::kBetweenWrites) x.store(i);
      }
    }
    a.join();
    b.join();
  });
}

/// One notify_one, two waiters that wait with different mutexes (undefined in C++, and the
/// simulator's waiters still compete for the one wake-up): a runs on only if it takes it.
SimModel waiters_with_two_mutexes() {
  return simulated([](auto& env) {
    Mutex<SimEnv> m1(env, "m1");
    Mutex<SimEnv> m2(env, "m2");
    CondVar<SimEnv> cv(env, "cv");
    Shared<SimEnv, int> waiting(env, "waiting", 0);
    auto a = env.spawn("a", [&] {
      m1.lock();
      waiting.store(waiting.load() + 1);
      cv.wait(m1);
      env.check(false, "a was woken");
      m1.unlock();
    });
    auto b = env.spawn("b", [&] {
      m2.lock();
      waiting.store(waiting.load() + 1);
      cv.wait(m2);
      m2.unlock();
    });
    m1.lock();
    m2.lock();
    env.assume(waiting.load() == 2);
    cv.notify_one();
    m2.unlock();
    m1.unlock();
    a.join();
    b.join();
  });
}

/// A buffer of one slot: producers put `items` each, consumers take their share, all waiting on
/// one condition variable, each notify a notify_one.
SimModel bounded_buffer(int producers, int consumers, int items) {
  return simulated([=](auto& env) {
    Mutex<SimEnv> m(env, "m");
    CondVar<SimEnv> cv(env, "cv");
    Shared<SimEnv, int> count(env, "count", 0);
    std::vector<SimEnv::Thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.push_back(env.spawn("producer", [&] {
        for (int i = 0; i < items; ++i) {
          m.lock();
          while (count.load() == 1) cv.wait(m);
          count.store(count.load() + 1);
          cv.notify_one();
          m.unlock();
        }
      }));
    }
    for (int c = 0; c < consumers; ++c) {
      threads.push_back(env.spawn("consumer", [&] {
        for (int i = 0; i < items * producers / consumers; ++i) {
          m.lock();
          while (count.load() == 0) cv.wait(m);
          count.store(count.load() - 1);
          cv.notify_one();
          m.unlock();
        }
      }));
    }
    for (auto& t : threads) t.join();
  });
}

/// Thread t holds m while it waits for task b; task a's first step is to lock m. A task that
/// blocks on a mutex blocks its loop (as a threading lock taken in an asyncio task does): once a
/// has started, b cannot run, and t waits forever. With a and b on loops of their own, b runs.
SimModel blocked_task(bool one_loop) {
  return simulated([one_loop](auto& env) {
    Mutex<SimEnv> m(env, "m");
    Mutex<SimEnv> m2(env, "m2");
    CondVar<SimEnv> cv(env, "cv");
    Shared<SimEnv, int> flag(env, "flag", 0);
    auto t = env.spawn("t", [&] {
      m.lock();
      m2.lock();
      while (flag.load() == 0) cv.wait(m2);
      m2.unlock();
      m.unlock();
    });
    EventLoop<SimEnv> loop(env, "loop");
    EventLoop<SimEnv> other(env, "other loop");
    loop.spawn("a", [&] {
      m.lock();
      m.unlock();
    });
    (one_loop ? loop : other).spawn("b", [&] {
      m2.lock();
      flag.store(1);
      cv.notify_one();
      m2.unlock();
    });
    loop.run();
    other.run();
    t.join();
  });
}

/// Small models with blocking of every kind, and the registry's at sizes dfs can exhaust.
std::vector<Case> cases() {
  std::vector<Case> out{
      from_registry("counter_heartbeat", "naive", {"size=2", "rounds=1"}),
      from_registry("counter_heartbeat", "locked", {"size=2", "rounds=2"}),
      from_registry("counter_heartbeat", "locked_yield", {"size=2", "rounds=2"}),
      from_registry("races", "two_mutexes", {}),
      from_registry("races", "atomic_flag", {}),
      from_registry("dining_philosophers", "naive", {"seats=3"}),
      from_registry("dining_philosophers", "ordered", {"seats=3"}),
      from_registry("dining_philosophers", "naive", {"seats=2", "meals=2"}),
      from_registry("lock_order", "inverted", {"work=1"}),
      from_registry("lock_order", "same_order", {"work=1"}),
      from_registry("bank_transfer", "locked", {}),
      from_registry("wakeup", "notify_first", {}),
      from_registry("wakeup", "if_wait", {}),
      from_registry("wakeup", "correct", {}),
      from_registry("lastzero", "default", {"n=3"}),
      from_registry("readers", "default", {"n=3"}),
      from_registry("cas", "default", {"n=3"}),
      from_registry("lockinc", "default", {"n=3"}),
  };
  out.push_back(Case{"a lock never released", simulated([](auto& env) {
                       Mutex<SimEnv> m(env, "m");
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto a = env.spawn("a", [&] {
                         m.lock();
                         x.store(1);
                       });
                       auto b = env.spawn("b", [&] {
                         m.lock();
                         x.store(2);
                         m.unlock();
                       });
                       a.join();
                       b.join();
                     })});
  out.push_back(Case{"try_lock", simulated([](auto& env) {
                       Mutex<SimEnv> m(env, "m");
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto a = env.spawn("a", [&] {
                         if (m.try_lock()) {
                           x.store(1);
                           m.unlock();
                         }
                       });
                       auto b = env.spawn("b", [&] {
                         m.lock();
                         x.store(2);
                         m.unlock();
                       });
                       auto c = env.spawn("c", [&] {
                         if (m.try_lock()) {
                           x.store(3);
                           m.unlock();
                         }
                       });
                       a.join();
                       b.join();
                       c.join();
                     })});
  out.push_back(Case{"two waiters, two notifies", two_waiters(Notifies::kUnderTheLock)});
  out.push_back(Case{"a false assume", simulated([](auto& env) {
                       Shared<SimEnv, int> x(env, "x", 0);
                       Shared<SimEnv, int> y(env, "y", 0);
                       auto a = env.spawn("a", [&] {
                         env.assume(x.load() == 1);
                         y.store(1);
                       });
                       auto b = env.spawn("b", [&] {
                         x.store(1);
                         y.store(2);
                       });
                       a.join();
                       b.join();
                     })});
  out.push_back(Case{"notify outside the lock", two_waiters(Notifies::kOutsideTheLock)});
  out.push_back(Case{"atomics of every kind", simulated([](auto& env) {
                       Atomic<SimEnv, int> x(env, "x", 0);
                       auto a = env.spawn("a", [&] {
                         int expected = 0;
                         x.compare_exchange(expected, 5);
                         x.fetch_add(1);
                       });
                       auto b = env.spawn("b", [&] {
                         x.exchange(3);
                         int expected = 3;
                         x.compare_exchange(expected, 7);
                       });
                       auto c = env.spawn("c", [&] {
                         (void)x.load();
                         x.store(1);
                       });
                       a.join();
                       b.join();
                       c.join();
                     })});
  out.push_back(Case{"a nested spawn, yields", simulated([](auto& env) {
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto a = env.spawn("a", [&] {
                         auto inner = env.spawn("inner", [&] {
                           x.store(1);
                           env.yield();
                           x.store(2);
                         });
                         x.store(3);
                         inner.join();
                         (void)x.load();
                       });
                       auto b = env.spawn("b", [&] {
                         env.yield();
                         (void)x.load();
                         x.store(4);
                       });
                       a.join();
                       b.join();
                     })});
  out.push_back(Case{"try_lock and a condition variable", simulated([](auto& env) {
                       Mutex<SimEnv> m(env, "m");
                       CondVar<SimEnv> cv(env, "cv");
                       Shared<SimEnv, int> n(env, "n", 0);
                       auto a = env.spawn("a", [&] {
                         m.lock();
                         while (n.load() < 1) cv.wait(m);
                         n.store(n.load() - 1);
                         m.unlock();
                       });
                       auto b = env.spawn("b", [&] {
                         if (!m.try_lock()) m.lock();
                         n.store(n.load() + 1);
                         cv.notify_one();
                         m.unlock();
                       });
                       auto c = env.spawn("c", [&] {
                         m.lock();
                         (void)n.load();
                         m.unlock();
                       });
                       a.join();
                       b.join();
                       c.join();
                     })});
  out.push_back(Case{"a deadlock among three", simulated([](auto& env) {
                       Mutex<SimEnv> m1(env, "m1");
                       Mutex<SimEnv> m2(env, "m2");
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto a = env.spawn("a", [&] {
                         m1.lock();
                         m2.lock();
                         x.store(1);
                         m2.unlock();
                         m1.unlock();
                       });
                       auto b = env.spawn("b", [&] {
                         m2.lock();
                         x.store(2);
                         m1.lock();
                         m1.unlock();
                         m2.unlock();
                       });
                       auto c = env.spawn("c", [&] {
                         x.store(3);
                         m1.lock();
                         m1.unlock();
                       });
                       a.join();
                       b.join();
                       c.join();
                     })});
  out.push_back(Case{"notify_one to one of two waiters", two_conditions(false)});
  out.push_back(Case{"two conditions and a try_lock", two_conditions(false, true)});
  out.push_back(Case{"waiters with two mutexes", waiters_with_two_mutexes()});
  out.push_back(
      Case{"two waiters, notifies between writes", two_waiters(Notifies::kBetweenWrites)});
  out.push_back(Case{"a bounded buffer, 1 producer 1 consumer 3 items", bounded_buffer(1, 1, 3)});
  out.push_back(Case{"a bounded buffer, 2 producers 1 consumer", bounded_buffer(2, 1, 1)});
  out.push_back(Case{"a bounded buffer, 1 producer 2 consumers", bounded_buffer(1, 2, 2)});
  out.push_back(Case{"notify_all to two waiters", two_conditions(true)});
  // Event loops: choices only at awaits, and other threads interleave with the running task.
  out.push_back(from_registry("counter_heartbeat", "cooperative", {"size=2", "rounds=2"}));
  out.push_back(Case{"a loop's tasks and a thread", simulated([](auto& env) {
                       Shared<SimEnv, int> x(env, "x", 0);
                       Shared<SimEnv, int> y(env, "y", 0);
                       EventLoop<SimEnv> loop(env, "loop");
                       loop.spawn("a", [&] {
                         x.store(1);
                         loop.yield_now();
                         (void)y.load();
                         x.store(2);
                       });
                       loop.spawn("b", [&] {
                         (void)x.load();
                         loop.sleep_for(std::chrono::milliseconds(1));
                         y.store(1);
                       });
                       auto t = env.spawn("t", [&] {
                         (void)x.load();
                         y.store(2);
                       });
                       loop.run();
                       t.join();
                     })});
  out.push_back(Case{"two loops and a lock", simulated([](auto& env) {
                       Mutex<SimEnv> m(env, "m");
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto side = [&](EventLoop<SimEnv>& loop, int id) {
                         loop.spawn("locker", [&, id] {
                           m.lock();
                           x.store(id);
                           m.unlock();
                           loop.yield_now();
                           (void)x.load();
                         });
                         loop.spawn("reader", [&] { (void)x.load(); });
                         loop.run();
                       };
                       auto t = env.spawn("t", [&] {
                         EventLoop<SimEnv> loop(env, "loop t");
                         side(loop, 1);
                       });
                       EventLoop<SimEnv> loop(env, "loop main");
                       side(loop, 2);
                       t.join();
                     })});
  out.push_back(Case{"two tasks, a thread, a condition variable", simulated([](auto& env) {
                       Mutex<SimEnv> m(env, "m");
                       CondVar<SimEnv> cv(env, "cv");
                       Shared<SimEnv, int> x(env, "x", 0);
                       Shared<SimEnv, int> ready(env, "ready", 0);
                       EventLoop<SimEnv> loop(env, "loop");
                       for (int k = 1; k <= 2; ++k) {
                         loop.spawn("task", [&, k] {
                           const int seen = x.load();
                           loop.yield_now();
                           x.store(seen + k);
                           if (k == 2) {
                             m.lock();
                             ready.store(1);
                             cv.notify_one();
                             m.unlock();
                           }
                         });
                       }
                       auto t = env.spawn("t", [&] {
                         m.lock();
                         while (ready.load() == 0) cv.wait(m);
                         m.unlock();
                         (void)x.load();
                       });
                       loop.run();
                       t.join();
                     })});
  out.push_back(Case{"a task blocked on a mutex", blocked_task(true)});
  out.push_back(Case{"a third thread holds a waiter's mutex across the other's wake",
                     simulated([](auto& env) {
                       Mutex<SimEnv> m1(env, "m1");
                       Mutex<SimEnv> m2(env, "m2");
                       CondVar<SimEnv> cv(env, "cv");
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto w1 = env.spawn("w1", [&] {
                         m1.lock();
                         cv.wait(m1);
                         m1.unlock();
                         x.store(1);
                       });
                       auto w2 = env.spawn("w2", [&] {
                         m2.lock();
                         cv.wait(m2);
                         m2.unlock();
                       });
                       auto t = env.spawn("t", [&] {
                         m2.lock();
                         (void)x.load();
                         m2.unlock();
                       });
                       cv.notify_one();
                       w1.join();
                       w2.join();
                       t.join();
                     })});
  out.push_back(
      Case{"a waiter holds the other waiter's mutex through its wait", simulated([](auto& env) {
             Mutex<SimEnv> m1(env, "m1");
             Mutex<SimEnv> m2(env, "m2");
             CondVar<SimEnv> cv(env, "cv");
             auto w1 = env.spawn("w1", [&] {
               m2.lock();
               m1.lock();
               cv.wait(m1);
               m1.unlock();
               m2.unlock();
             });
             auto w2 = env.spawn("w2", [&] {
               m2.lock();
               cv.wait(m2);
               m2.unlock();
             });
             auto n = env.spawn("n", [&] { cv.notify_all(); });
             w1.join();
             w2.join();
             n.join();
           })});
  out.push_back(Case{"tasks that yield", simulated([](auto& env) {
                       Shared<SimEnv, int> x(env, "x", 0);
                       EventLoop<SimEnv> loop(env, "loop");
                       loop.spawn("a", [&] {
                         x.store(1);
                         env.yield();  // in a task, an await
                         x.store(2);
                       });
                       loop.spawn("b", [&] { (void)x.load(); });
                       loop.run();
                     })});
  // The waiter that takes the one wake-up then takes the other's mutex for good (waiters with
  // different mutexes: undefined in C++, and the simulator's still compete for the wake-up).
  out.push_back(Case{"a woken waiter takes the other waiter's mutex", simulated([](auto& env) {
                       Mutex<SimEnv> m1(env, "m1");
                       Mutex<SimEnv> m2(env, "m2");
                       CondVar<SimEnv> cv(env, "cv");
                       auto w1 = env.spawn("w1", [&] {
                         m1.lock();
                         cv.wait(m1);
                         m1.unlock();
                         m2.lock();
                       });
                       auto w2 = env.spawn("w2", [&] {
                         m2.lock();
                         cv.wait(m2);
                         m2.unlock();
                       });
                       auto n = env.spawn("n", [&] { cv.notify_one(); });
                       w1.join();
                       w2.join();
                       n.join();
                     })});
  // The earlier waiter's wake leads to the other waiter's mutex being released by a thread that
  // exists only because of that wake (it spawns it): that release follows the wake, so it does
  // not order the two wakes either.
  for (const int notifies : {1, 2}) {
    out.push_back(
        Case{notifies == 1
                 ? "a thread spawned after a wake releases the other waiter's mutex"
                 : "a thread spawned after a wake releases the other waiter's mutex, two notifies",
             simulated([notifies](auto& env) {
               Mutex<SimEnv> m1(env, "m1");
               Mutex<SimEnv> m2(env, "m2");
               CondVar<SimEnv> cv(env, "cv");
               auto w1 = env.spawn("w1", [&] {
                 m1.lock();
                 cv.wait(m1);
                 m1.unlock();
                 auto s = env.spawn("s", [&] {
                   m2.lock();
                   m2.unlock();
                 });
                 s.join();
               });
               auto w2 = env.spawn("w2", [&] {
                 m2.lock();
                 cv.wait(m2);
                 m2.unlock();
               });
               auto n = env.spawn("n", [&] {
                 for (int i = 0; i < notifies; ++i) cv.notify_one();
               });
               w1.join();
               w2.join();
               n.join();
             })});
  }
  // Objects made by threads running apart: numbered in the order made, which a race may change.
  out.push_back(Case{"objects made by threads running apart", simulated([](auto& env) {
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto a = env.spawn("a", [&] {
                         x.store(1);
                         Shared<SimEnv, int> ya(env, "ya", 0);
                         ya.store(1);
                         (void)x.load();
                       });
                       auto b = env.spawn("b", [&] {
                         (void)x.load();
                         Shared<SimEnv, int> yb(env, "yb", 0);
                         yb.store(2);
                         x.store(2);
                       });
                       a.join();
                       b.join();
                     })});
  out.push_back(
      Case{"a mutex made by a thread running apart, then shared", simulated([](auto& env) {
             Shared<SimEnv, int> x(env, "x", 0);
             auto a = env.spawn("a", [&] {
               x.store(1);
               Shared<SimEnv, int> la(env, "la", 0);
               la.store(1);
             });
             auto b = env.spawn("b", [&] {
               (void)x.load();
               Mutex<SimEnv> mb(env, "mb");
               Shared<SimEnv, int> y(env, "y", 0);
               auto c = env.spawn("c", [&] {
                 mb.lock();
                 y.store(1);
                 mb.unlock();
               });
               mb.lock();
               y.store(2);
               mb.unlock();
               c.join();
             });
             a.join();
             b.join();
           })});
  out.push_back(Case{"objects made apart, then a third thread", simulated([](auto& env) {
                       Shared<SimEnv, int> x(env, "x", 0);
                       Shared<SimEnv, int> z(env, "z", 0);
                       auto a = env.spawn("a", [&] {
                         x.store(1);
                         Shared<SimEnv, int> ya(env, "ya", 0);
                         ya.store(1);
                         z.store(1);
                       });
                       auto b = env.spawn("b", [&] {
                         (void)z.load();
                         Shared<SimEnv, int> yb(env, "yb", 0);
                         yb.store(2);
                         (void)x.load();
                       });
                       auto c = env.spawn("c", [&] {
                         (void)x.load();
                         z.store(3);
                       });
                       a.join();
                       b.join();
                       c.join();
                     })});
  // A thread spawned by one of them reaches an object its spawner made: the same object carries
  // another number in runs where the other thread made its own first.
  out.push_back(Case{"an object made apart, reached by a child", simulated([](auto& env) {
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto a = env.spawn("a", [&] {
                         x.store(1);
                         Shared<SimEnv, int> ya(env, "ya", 0);
                         ya.store(1);
                         auto c = env.spawn("c", [&] { ya.store(3); });
                         (void)ya.load();
                         c.join();
                       });
                       auto b = env.spawn("b", [&] {
                         (void)x.load();
                         Shared<SimEnv, int> yb(env, "yb", 0);
                         yb.store(2);
                         x.store(2);
                         (void)yb.load();
                       });
                       a.join();
                       b.join();
                     })});
  out.push_back(Case{"objects made apart, each reached by a child", simulated([](auto& env) {
                       Shared<SimEnv, int> x(env, "x", 0);
                       auto maker = [&](int v) {
                         (void)x.load();
                         x.store(v);
                         Shared<SimEnv, int> y(env, "y", 0);
                         auto c = env.spawn("c", [&] {
                           y.store(v);
                           (void)x.load();
                         });
                         (void)y.load();
                         c.join();
                       };
                       auto a = env.spawn("a", [&] { maker(1); });
                       auto b = env.spawn("b", [&] { maker(2); });
                       a.join();
                       b.join();
                     })});
  // Random values: the search chooses them too, and runs that draw differently differ.
  out.push_back(Case{"random values", simulated([](auto& env) {
                       Mutex<SimEnv> m(env, "m");
                       Shared<SimEnv, int> x(env, "x", 0);
                       Shared<SimEnv, int> y(env, "y", 0);
                       auto a = env.spawn("a", [&] {
                         x.store(static_cast<int>(env.random(3)));
                         if (env.random(2) == 0) {
                           m.lock();
                           y.store(1);
                           m.unlock();
                         } else {
                           (void)y.load();
                         }
                       });
                       auto b = env.spawn("b", [&] {
                         m.lock();
                         const int v = x.load();
                         m.unlock();
                         if (v == 1) y.store(2);
                       });
                       a.join();
                       b.join();
                     })});
  return out;
}

class TraceClassesTest : public ::testing::TestWithParam<Case> {};

TEST_P(TraceClassesTest, DporExploresEveryTraceOnce) {
  const Case& c = GetParam();
  ExploreOptions options;
  options.all = true;
  options.max_executions = 2'000'000;
  testing::TraceClasses every;
  DfsStrategy dfs;
  const ExploreResult d = explore(c.model, dfs, options, &every);
  ASSERT_TRUE(d.complete && d.error.empty()) << d.error;
  testing::TraceClasses explored;
  DporStrategy dpor;
  const ExploreResult p = explore(c.model, dpor, options, &explored);
  ASSERT_TRUE(p.complete && p.error.empty()) << p.error;
  // Every trace dfs met, dpor met, and nothing else.
  std::set<std::vector<uint32_t>> missed;
  for (const auto& [trace, runs] : every.classes()) {
    if (explored.classes().count(trace) == 0) missed.insert(trace);
  }
  EXPECT_TRUE(missed.empty()) << missed.size() << " of " << every.classes().size()
                              << " traces never explored";
  EXPECT_EQ(explored.classes().size(), every.classes().size());
  // One run each (a run a false assume cut off is a trace too, counted apart), none pruned.
  EXPECT_EQ(p.executions + p.blocked, every.classes().size());
  EXPECT_EQ(p.pruned, 0u);
  // And split over two threads, the same.
  const ExploreResult split = explore_dpor_parallel(c.model, options, 2, nullptr);
  EXPECT_EQ(split.executions, p.executions);
  EXPECT_EQ(split.blocked, p.blocked);
  EXPECT_GT(d.executions, 0u);
}

INSTANTIATE_TEST_SUITE_P(Models, TraceClassesTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           std::string name;
                           for (char ch : param.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(ch)) != 0 ? ch : '_';
                           }
                           return name;
                         });

/// dpor --all over `model`: whether it found a failed check with this message.
bool dpor_finds_check(const SimModel& model, const std::string& message) {
  ExploreOptions options;
  options.all = true;
  DporStrategy dpor;
  const ExploreResult r = explore(model, dpor, options);
  EXPECT_TRUE(r.complete && r.error.empty()) << r.error;
  for (const BugRecord& b : r.bugs) {
    if (b.finding.kind == FindingKind::kInvariant &&
        b.finding.message.find(message) != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool has_deadlock(const ExploreResult& r) {
  for (const BugRecord& b : r.bugs) {
    if (b.finding.kind == FindingKind::kDeadlock) return true;
  }
  return false;
}

/// dpor --all and dfs --all over `model`, each checked to have run to the end without an error,
/// by strategy name.
std::map<std::string, ExploreResult> exhaust_both(const SimModel& model) {
  ExploreOptions options;
  options.all = true;
  options.max_executions = 100'000;
  DporStrategy dpor;
  DfsStrategy dfs;
  std::map<std::string, ExploreResult> out;
  for (Strategy* s : std::initializer_list<Strategy*>{&dpor, &dfs}) {
    ExploreResult r = explore(model, *s, options);
    EXPECT_TRUE(r.complete && r.error.empty()) << s->name() << ": " << r.error;
    out.emplace(s->name(), std::move(r));
  }
  return out;
}

TEST(NotifyOne, WakesAnyWaiterUnderEverySearch) {
  ExploreOptions options;  // up to the first bug: the deadlock is the only one
  options.max_executions = 100'000;
  DporStrategy dpor;
  DfsStrategy dfs;
  RandomStrategy random(1);
  for (Strategy* s : std::initializer_list<Strategy*>{&dpor, &dfs, &random}) {
    const ExploreResult r = explore(two_conditions(false), *s, options);
    EXPECT_TRUE(r.error.empty()) << s->name() << ": " << r.error;
    EXPECT_TRUE(has_deadlock(r)) << s->name() << ": the wake-up never went to the other waiter";
  }
}

TEST(NotifyOne, WaitersWithDifferentMutexesStillCompeteForTheWakeup) {
  EXPECT_TRUE(dpor_finds_check(waiters_with_two_mutexes(), "a was woken"));
}

TEST(NotifyOne, NotifyAllInsteadIsCleanEverywhere) {
  for (const auto& [strategy, r] : exhaust_both(two_conditions(true))) {
    EXPECT_TRUE(r.bugs.empty()) << strategy << ": " << r.bugs.front().finding.message;
  }
}

// Bugs that only the blocked steps' races lead to: each was missed before.

TEST(DporBlocking, ALockNeverReleasedStillLetsTheOtherThreadGoFirst) {
  // If a goes first, b waits forever (a deadlock, found); if b goes first, a's check fails.
  EXPECT_TRUE(dpor_finds_check(simulated([](auto& env) {
                                 Mutex<SimEnv> m(env, "m");
                                 Shared<SimEnv, int> flag(env, "flag", 0);
                                 auto a = env.spawn("a", [&] {
                                   m.lock();
                                   env.check(flag.load() == 0, "a took the mutex first");
                                 });
                                 auto b = env.spawn("b", [&] {
                                   m.lock();
                                   flag.store(1);
                                   m.unlock();
                                 });
                                 a.join();
                                 b.join();
                               }),
                               "a took the mutex first"));
}

TEST(DporBlocking, ATryLockFailsWhileAnotherThreadHoldsTheMutex) {
  EXPECT_TRUE(dpor_finds_check(simulated([](auto& env) {
                                 Mutex<SimEnv> m(env, "m");
                                 auto a = env.spawn("a", [&] {
                                   const bool took = m.try_lock();
                                   env.check(took, "try_lock took the mutex");
                                   if (took) m.unlock();
                                 });
                                 auto b = env.spawn("b", [&] {
                                   m.lock();
                                   m.unlock();
                                 });
                                 a.join();
                                 b.join();
                               }),
                               "try_lock took the mutex"));
}

TEST(DporBlocking, AWriteThatAFalseAssumeCutOffStillRunsFirst) {
  EXPECT_TRUE(dpor_finds_check(simulated([](auto& env) {
                                 Shared<SimEnv, int> ready(env, "ready", 0);
                                 auto a = env.spawn("a", [&] {
                                   env.assume(ready.load() == 1);
                                   env.check(false, "a saw ready");
                                 });
                                 auto b = env.spawn("b", [&] { ready.store(1); });
                                 a.join();
                                 b.join();
                               }),
                               "a saw ready"));
}

/// A task of an event loop writes y and x, with or without an await between them; another task
/// checks that it sees both or neither. Between awaits a task runs alone on its loop.
SimModel two_writes(bool await_between) {
  return simulated([await_between](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    Shared<SimEnv, int> y(env, "y", 0);
    EventLoop<SimEnv> loop(env, "loop");
    loop.spawn("writer", [&] {
      y.store(1);
      if (await_between) loop.yield_now();
      x.store(1);
    });
    loop.spawn("reader", [&] { env.check(x.load() == y.load(), "both writes or neither"); });
    loop.run();
  });
}

TEST(DporLoops, ATaskRunsBetweenAnotherTasksAwaits) {
  // dpor ordered the reader's resume after the writer's second segment (by the write to x that
  // segment makes) and, reversing that write instead, asked for a step the loop forbids there.
  EXPECT_TRUE(dpor_finds_check(two_writes(true), "both writes or neither"));
}

TEST(DporLoops, WithoutAnAwaitBetweenTheWritesBothOrNeitherAreSeen) {
  for (const auto& [strategy, r] : exhaust_both(two_writes(false))) {
    EXPECT_TRUE(r.bugs.empty()) << strategy << ": " << r.bugs.front().finding.message;
    EXPECT_EQ(r.executions, 2u) << strategy;  // one task first, or the other
  }
}

TEST(DporLoops, ATaskBlockedOnAMutexBlocksItsLoop) {
  for (const auto& [strategy, r] : exhaust_both(blocked_task(true))) {
    EXPECT_TRUE(has_deadlock(r)) << strategy;
  }
}

TEST(DporLoops, OnLoopsOfTheirOwnTheTasksNeverBlockEachOther) {
  for (const auto& [strategy, r] : exhaust_both(blocked_task(false))) {
    EXPECT_TRUE(r.bugs.empty()) << strategy << ": " << r.bugs.front().finding.message;
  }
}

/// Task a writes x twice with a spawn between (not an await), the task it spawns ending at once;
/// a reader sees the half-done 1 only if it can run between a's writes.
SimModel spawn_between_writes(bool reader_is_a_task) {
  return simulated([reader_is_a_task](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    EventLoop<SimEnv> loop(env, "loop");
    loop.spawn("a", [&] {
      x.store(1);
      loop.spawn("c", [] {});
      x.store(2);
    });
    auto read = [&] { env.check(x.load() != 1, "a's writes are seen whole"); };
    if (reader_is_a_task) {
      loop.spawn("b", read);
      loop.run();
    } else {
      auto t = env.spawn("t", read);
      loop.run();
      t.join();
    }
  });
}

TEST(DporLoops, ATaskThatEndsAtOnceDoesNotGiveItsSpawnersLoopAway) {
  // (it did: the reader ran between a's writes)
  for (const auto& [strategy, r] : exhaust_both(spawn_between_writes(true))) {
    EXPECT_TRUE(r.bugs.empty()) << strategy << ": " << r.bugs.front().finding.message;
  }
}

TEST(DporLoops, AThreadStillRunsBetweenATasksWrites) {
  EXPECT_TRUE(dpor_finds_check(spawn_between_writes(false), "a's writes are seen whole"));
}

/// A task writes 1 then 0 with a pause between: an await of the loop (loop.sleep_for) or the
/// thread's own sleep or yield (env.sleep_for, env.yield), which blocks the loop, as
/// time.sleep() in an asyncio task does. Another task reads the 1 only across an await.
enum class Pause { kAwait, kSleep, kYield };

SimModel pause_between_writes(Pause pause) {
  return simulated([pause](auto& env) {
    Shared<SimEnv, int> x(env, "x", 0);
    EventLoop<SimEnv> loop(env, "loop");
    loop.spawn("a", [&] {
      x.store(1);
      if (pause == Pause::kAwait) loop.sleep_for(std::chrono::milliseconds(1));
      if (pause == Pause::kSleep) env.sleep_for(std::chrono::milliseconds(1));
      if (pause == Pause::kYield) env.yield();
      x.store(0);
    });
    loop.spawn("b", [&] { env.check(x.load() == 0, "no half-done write seen"); });
    loop.run();
  });
}

TEST(DporLoops, AnAwaitedSleepLetsAnotherTaskRun) {
  EXPECT_TRUE(dpor_finds_check(pause_between_writes(Pause::kAwait), "no half-done write seen"));
  // Another task running at an await is no preemption: dfs finds it with none allowed.
  ExploreOptions options;
  DfsStrategy dfs(0);
  const ExploreResult r = explore(pause_between_writes(Pause::kAwait), dfs, options);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs.front().preemptions, 0u);
}

TEST(DporLoops, AThreadsSleepOrYieldInATaskKeepsTheLoop) {
  for (Pause pause : {Pause::kSleep, Pause::kYield}) {
    for (const auto& [strategy, r] : exhaust_both(pause_between_writes(pause))) {
      EXPECT_TRUE(r.bugs.empty()) << strategy << ": " << r.bugs.front().finding.message;
    }
  }
}

}  // namespace
}  // namespace interleave
