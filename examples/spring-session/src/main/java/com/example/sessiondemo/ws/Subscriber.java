package com.example.sessiondemo.ws;

import com.example.sessiondemo.feed.FeedEvent;
import com.example.sessiondemo.feed.FeedHistory;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * One WebSocket client's place in the feed. It starts "pending": no events until the client's first message (a RESUME
 * says where to start) or the resume wait ends (then it starts where the feed was when the client connected). Going
 * live replays the stream after the start point and from then on takes live events with a higher sequence only, so
 * the client sees every event once, in order.
 */
final class Subscriber {

  final WebSocketSession session;
  final String user;
  /** The last sequence this instance had read from the stream when the client connected. */
  final long connectedAfter;

  private boolean live;
  private long lastSent;
  private ScheduledFuture<?> resumeTimer;

  Subscriber(WebSocketSession session, String user, long connectedAfter) {
    this.session = session;
    this.user = user;
    this.connectedAfter = connectedAfter;
  }

  synchronized void resumeTimer(ScheduledFuture<?> timer) {
    this.resumeTimer = timer;
  }

  synchronized boolean isLive() {
    return live;
  }

  /** Replays every event after {@code after}, then takes the live feed. Returns false if it was live already. */
  synchronized boolean goLive(long after, FeedHistory history, Function<FeedEvent, TextMessage> frame)
      throws IOException {
    if (live) {
      return false;
    }
    live = true;
    if (resumeTimer != null) {
      resumeTimer.cancel(false);
    }
    lastSent = after;
    for (FeedEvent event : history.after(after)) {
      send(event, frame.apply(event));
    }
    return true;
  }

  synchronized void deliver(FeedEvent event, TextMessage message) throws IOException {
    if (live && event.sequence() > lastSent) {
      send(event, message);
    }
  }

  synchronized void cancelTimer() {
    if (resumeTimer != null) {
      resumeTimer.cancel(false);
    }
  }

  private void send(FeedEvent event, TextMessage message) throws IOException {
    session.sendMessage(message);
    lastSent = event.sequence();
  }
}
