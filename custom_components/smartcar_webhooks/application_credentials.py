"""Application credentials: Smartcar Connect's OAuth2 endpoints."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, cast

from aiohttp import ClientError, ClientResponseError, hdrs
from aiohttp.helpers import encode_basic_auth
from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
)
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import LOGGER, OAUTH2_AUTHORIZE, OAUTH2_SCOPES, OAUTH2_TOKEN
from .smartcar.client import REQUEST_TIMEOUT


class SmartcarOAuth2Implementation(AuthImplementation):
    """Smartcar Connect: scopes on authorize, HTTP Basic client auth on token requests."""

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for the scopes the integration shows."""
        return {"scope": " ".join(OAUTH2_SCOPES), "approval_prompt": "force"}

    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Smartcar wants the client id and secret as HTTP Basic auth, not in the form."""
        session = async_get_clientsession(self.hass)
        try:
            response = await session.post(
                self.token_url,
                data=data,
                timeout=REQUEST_TIMEOUT,
                headers={
                    hdrs.AUTHORIZATION: encode_basic_auth(
                        self.client_id, self.client_secret
                    )
                },
            )
            if response.status >= 400:
                LOGGER.debug("Smartcar token request failed with %s", response.status)
            response.raise_for_status()
            return cast(dict[str, Any], await response.json())
        except ClientResponseError as err:
            kwargs: dict[str, Any] = {
                "request_info": err.request_info,
                "history": err.history,
                "status": err.status,
                "message": err.message,
                "headers": err.headers,
                "domain": self.service_domain,
            }
            # As Home Assistant's own implementation: 429/5xx may pass, other 4xx need reauth.
            if err.status == HTTPStatus.TOO_MANY_REQUESTS or err.status >= 500:
                raise OAuth2TokenRequestTransientError(**kwargs) from err
            raise OAuth2TokenRequestReauthError(**kwargs) from err
        except (ClientError, TimeoutError) as err:
            # aiohttp's own timeout is a bare TimeoutError: Smartcar did not answer.
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain) from err


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Smartcar Connect's endpoints."""
    return AuthorizationServer(authorize_url=OAUTH2_AUTHORIZE, token_url=OAUTH2_TOKEN)


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> config_entry_oauth2_flow.AbstractOAuth2Implementation:
    """The Smartcar implementation, with HTTP Basic client authentication."""
    return SmartcarOAuth2Implementation(
        hass, auth_domain, credential, await async_get_authorization_server(hass)
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Where the user finds the client id and secret."""
    return {
        "dashboard_url": "https://dashboard.smartcar.com",
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }
