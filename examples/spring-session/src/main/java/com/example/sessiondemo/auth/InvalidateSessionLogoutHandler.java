package com.example.sessiondemo.auth;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * Invalidates the session: Spring Session deletes it from Redis and expires the SESSION cookie, so the old cookie
 * is worthless everywhere.
 */
@Component
@Profile("!logout-keeps-session")
public class InvalidateSessionLogoutHandler implements LogoutHandler {

  @Override
  public void logout(HttpServletRequest request, HttpServletResponse response) {
    HttpSession session = request.getSession(false);
    if (session != null) {
      session.invalidate();
    }
  }
}
