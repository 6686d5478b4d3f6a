package com.example.sessiondemo.ws;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.support.HttpSessionHandshakeInterceptor;

@Configuration
@EnableWebSocket
public class WebSocketConfig implements WebSocketConfigurer {

  private final StreamHandler streamHandler;

  public WebSocketConfig(StreamHandler streamHandler) {
    this.streamHandler = streamHandler;
  }

  @Override
  public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
    registry
        .addHandler(streamHandler, "/ws/stream")
        // Copies the HTTP session's attributes (the logged-in user) into the WebSocket session, then the login check.
        .addInterceptors(new HttpSessionHandshakeInterceptor(), new LoginRequiredHandshakeInterceptor());
  }
}
