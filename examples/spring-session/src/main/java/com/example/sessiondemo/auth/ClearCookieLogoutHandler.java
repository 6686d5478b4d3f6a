package com.example.sessiondemo.auth;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.stereotype.Component;

/**
 * FAULT {@code logout-keeps-session}: "logging out" only tells the browser to drop the SESSION cookie. The session
 * itself stays valid in Redis until it times out, so whoever kept the cookie is still logged in.
 */
@Component
@Profile("logout-keeps-session")
public class ClearCookieLogoutHandler implements LogoutHandler {

  @Override
  public void logout(HttpServletRequest request, HttpServletResponse response) {
    ResponseCookie expired = ResponseCookie.from("SESSION", "").path("/").maxAge(0).httpOnly(true).sameSite("Lax")
        .build();
    response.addHeader(HttpHeaders.SET_COOKIE, expired.toString());
  }
}
