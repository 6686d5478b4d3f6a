package com.example.sessiondemo.lifecycle;

import com.example.sessiondemo.AppProperties;
import com.example.sessiondemo.ws.StreamHandler;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;

/**
 * First step of shutdown (SIGTERM → context close), before Spring's graceful web server shutdown: readiness goes
 * OUT_OF_SERVICE (503) at once, the instance keeps serving for the drain period while the load balancer takes it out,
 * then every WebSocket is closed with 1001 Going Away so clients reconnect elsewhere. Then server.shutdown=graceful
 * lets in-flight HTTP requests finish.
 */
@Component
public class GracefulShutdown {

  private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

  private final ApplicationContext context;
  private final StreamHandler streamHandler;
  private final Duration drain;

  public GracefulShutdown(ApplicationContext context, StreamHandler streamHandler, AppProperties properties) {
    this.context = context;
    this.streamHandler = streamHandler;
    this.drain = properties.drain();
  }

  @EventListener
  @Order(Ordered.LOWEST_PRECEDENCE)
  public void onContextClosed(ContextClosedEvent event) {
    if (event.getApplicationContext() != context) {
      return;
    }
    AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
    log.info("Shutting down: readiness refused, draining for {} ms", drain.toMillis());
    try {
      Thread.sleep(drain.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int open = streamHandler.connectionCount();
    streamHandler.closeAll(CloseStatus.GOING_AWAY.withReason("server shutting down"));
    log.info("Closed {} WebSocket connection(s) with 1001", open);
  }
}
