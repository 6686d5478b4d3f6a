package com.example.sessiondemo.ws;

import com.example.sessiondemo.AppProperties;
import com.example.sessiondemo.auth.SessionUser;
import com.example.sessiondemo.feed.FeedEvent;
import com.example.sessiondemo.feed.FeedHistory;
import com.example.sessiondemo.feed.FeedListener;
import com.example.sessiondemo.feed.FeedReader;
import com.example.sessiondemo.orders.Order;
import com.example.sessiondemo.orders.OrderLedger;
import com.example.sessiondemo.orders.OrderOutcome;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Lazy;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.SessionLimitExceededException;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * /ws/stream: greets the user, streams the shared feed (optionally resumed), takes orders.
 *
 * <p>Client frames: {@code {"type":"RESUME","afterSequence":n}} (first message only) and
 * {@code {"type":"ORDER","orderId":"…","item":"…","quantity":1}}.
 */
@Component
public class StreamHandler extends TextWebSocketHandler implements FeedListener {

  private static final Logger log = LoggerFactory.getLogger(StreamHandler.class);
  private static final int SEND_TIME_LIMIT_MS = 10_000;
  private static final int BUFFER_SIZE_LIMIT = 1024 * 1024;

  private final Map<String, Subscriber> subscribers = new ConcurrentHashMap<>();
  private final ObjectMapper json;
  private final FeedReader feedReader;
  private final FeedHistory history;
  private final OrderLedger orders;
  private final TaskScheduler scheduler;
  private final String instanceId;
  private final Duration resumeWait;
  private final boolean replayOnResume;
  private volatile boolean closing;

  public StreamHandler(
      ObjectMapper json,
      @Lazy FeedReader feedReader,
      FeedHistory history,
      OrderLedger orders,
      TaskScheduler scheduler,
      AppProperties properties) {
    this.json = json;
    this.feedReader = feedReader;
    this.history = history;
    this.orders = orders;
    this.scheduler = scheduler;
    this.instanceId = properties.instanceId();
    this.resumeWait = properties.feed().resumeWait();
    this.replayOnResume = properties.feed().replayOnResume();
  }

  @Override
  public void afterConnectionEstablished(WebSocketSession session) throws Exception {
    if (closing) {
      session.close(CloseStatus.GOING_AWAY);
      return;
    }
    String user = (String) session.getAttributes().get(SessionUser.ATTRIBUTE);
    var concurrent = new ConcurrentWebSocketSessionDecorator(session, SEND_TIME_LIMIT_MS, BUFFER_SIZE_LIMIT);
    var subscriber = new Subscriber(concurrent, user, feedReader.lastSequence());
    concurrent.sendMessage(frame(new Frames.Connected(user, instanceId)));
    subscribers.put(session.getId(), subscriber);
    subscriber.resumeTimer(scheduler.schedule(
        () -> goLive(subscriber, subscriber.connectedAfter), Instant.now().plus(resumeWait)));
  }

  @Override
  protected void handleTextMessage(WebSocketSession session, TextMessage message) throws Exception {
    Subscriber subscriber = subscribers.get(session.getId());
    if (subscriber == null) {
      return;
    }
    JsonNode frame;
    try {
      frame = json.readTree(message.getPayload());
    } catch (JsonProcessingException e) {
      send(subscriber, new Frames.Error("invalid JSON", null));
      return;
    }
    String type = frame.path("type").asText();
    if ("RESUME".equals(type)) {
      resume(subscriber, frame);
      return;
    }
    // Any other first message means "no resume": the live feed from where it was at connect time.
    goLive(subscriber, subscriber.connectedAfter);
    if ("ORDER".equals(type)) {
      order(subscriber, frame);
    } else {
      send(subscriber, new Frames.Error("unknown message type: " + type, null));
    }
  }

  private void resume(Subscriber subscriber, JsonNode frame) throws IOException {
    JsonNode after = frame.get("afterSequence");
    if (after == null || !after.canConvertToLong() || after.asLong() < 0) {
      send(subscriber, new Frames.Error("RESUME needs a non-negative afterSequence", null));
      return;
    }
    long from = replayOnResume ? after.asLong() : subscriber.connectedAfter;
    if (!goLive(subscriber, from)) {
      send(subscriber, new Frames.Error("RESUME must be the first message", null));
    }
  }

  private void order(Subscriber subscriber, JsonNode frame) throws IOException {
    String orderId = frame.path("orderId").asText("");
    String item = frame.path("item").asText("");
    int quantity = frame.path("quantity").asInt(0);
    if (orderId.isEmpty() || orderId.length() > 128 || item.isEmpty() || quantity < 1) {
      send(subscriber, new Frames.Error("ORDER needs orderId, item and a quantity >= 1", orderId));
      return;
    }
    OrderOutcome outcome;
    try {
      outcome = orders.apply(subscriber.user, new Order(orderId, item, quantity));
    } catch (DataAccessException e) {
      log.warn("Order {} failed: {}", orderId, e.getMessage());
      send(subscriber, new Frames.Error("order could not be applied, retry", orderId));
      return;
    }
    send(subscriber, new Frames.OrderResult(orderId, outcome.name()));
  }

  private boolean goLive(Subscriber subscriber, long after) {
    try {
      return subscriber.goLive(after, history, this::eventFrame);
    } catch (SessionLimitExceededException e) {
      closeQuietly(subscriber, e.getStatus());
      return true;
    } catch (IOException | DataAccessException e) {
      log.debug("Could not start the feed for {}: {}", subscriber.session.getId(), e.getMessage());
      return true;
    }
  }

  @Override
  public void onEvent(FeedEvent event) {
    TextMessage message = eventFrame(event);
    for (Subscriber subscriber : subscribers.values()) {
      try {
        subscriber.deliver(event, message);
      } catch (SessionLimitExceededException e) {
        // A client too slow to keep up: drop it (it can reconnect and resume).
        closeQuietly(subscriber, e.getStatus());
      } catch (IOException | RuntimeException e) {
        log.debug("Dropped event {} for {}: {}", event.sequence(), subscriber.session.getId(), e.getMessage());
      }
    }
  }

  @Override
  public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
    Subscriber subscriber = subscribers.remove(session.getId());
    if (subscriber != null) {
      subscriber.cancelTimer();
    }
  }

  /** Shutdown: close every socket with {@code status} and refuse new ones. */
  public void closeAll(CloseStatus status) {
    closing = true;
    for (Subscriber subscriber : subscribers.values()) {
      closeQuietly(subscriber, status);
    }
  }

  private static void closeQuietly(Subscriber subscriber, CloseStatus status) {
    try {
      subscriber.session.close(status);
    } catch (IOException e) {
      log.debug("Close failed for {}: {}", subscriber.session.getId(), e.getMessage());
    }
  }

  public int connectionCount() {
    return subscribers.size();
  }

  private TextMessage eventFrame(FeedEvent event) {
    return frame(new Frames.Event(event));
  }

  private void send(Subscriber subscriber, Object frame) throws IOException {
    subscriber.session.sendMessage(frame(frame));
  }

  private TextMessage frame(Object frame) {
    try {
      return new TextMessage(json.writeValueAsString(frame));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
