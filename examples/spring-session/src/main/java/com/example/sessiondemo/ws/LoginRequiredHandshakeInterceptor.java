package com.example.sessiondemo.ws;

import com.example.sessiondemo.auth.SessionUser;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

/** Refuses the upgrade with 401 unless the HTTP session (copied in by HttpSessionHandshakeInterceptor) has a user. */
class LoginRequiredHandshakeInterceptor implements HandshakeInterceptor {

  @Override
  public boolean beforeHandshake(
      ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler, Map<String, Object> attributes) {
    if (attributes.get(SessionUser.ATTRIBUTE) instanceof String) {
      return true;
    }
    response.setStatusCode(HttpStatus.UNAUTHORIZED);
    return false;
  }

  @Override
  public void afterHandshake(
      ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler, Exception exception) {}
}
