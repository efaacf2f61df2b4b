// An independent OpenID provider for the tests, standing in for VNeID: the npm package
// oidc-provider (OpenID-certified), configured with VNeID's claim names, PKCE required,
// and logging in whichever test citizen the test names (no login form to fill).
//
// Environment: REDIRECT_URI (the app's callback), POST_LOGOUT_URI, CLIENT_ID, CLIENT_SECRET,
// ACCOUNTS (JSON: {"<account id>": {"SoDinhDanh": …, "HoVaTen": …, "NgayThangNamSinh": …, "loAs": …}}),
// PORT (0 for any). Prints "listening on <port>" once it accepts connections.
// GET /test/next-login?account=<id> chooses who the next login is.
import http from 'node:http';
import Provider from 'oidc-provider';

const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
let nextAccount = Object.keys(accounts)[0];

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', resolve));
const port = server.address().port;
const issuer = `http://localhost:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    post_logout_redirect_uris: [process.env.POST_LOGOUT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true, methods: ['S256'] },
  scopes: ['openid', 'citizen'],
  claims: { openid: ['sub'], citizen: ['SoDinhDanh', 'HoVaTen', 'NgayThangNamSinh', 'loAs'] },
  cookies: { keys: ['test-only-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // The provider asks before ending its session, as real providers do.
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html><body>${form}<button data-op-logout type="submit" form="op.logoutForm" name="logout" value="yes">Đăng xuất / Sign out</button></body></html>`;
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) => (accounts[id] ? { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) } : undefined),
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  if (ctx.path === '/test/next-login') {
    nextAccount = ctx.query.account;
    ctx.body = 'ok';
    return;
  }
  const interaction = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (interaction && ctx.method === 'GET') {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (details.prompt.name === 'login') {
      result = { login: { accountId: nextAccount } };
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    return;
  }
  await next();
});

server.on('request', provider.callback());
console.log(`listening on ${port}`);
