package com.example.sessiondemo.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * FAULT {@code abrupt-exit}: "rollouts are slow because Spring takes ages to stop", so SIGTERM halts the JVM at once.
 * No drain, no readiness change that anyone can see, no close frames: clients see their sockets drop (1006).
 */
@Component
@Profile("abrupt-exit")
public class ExitFastOnSigterm {

  private static final Logger log = LoggerFactory.getLogger(ExitFastOnSigterm.class);

  public ExitFastOnSigterm() {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("SIGTERM: exiting now");
      Runtime.getRuntime().halt(0);
    }, "exit-fast"));
  }
}
