/*
 * The Kii JavaScript SDK v2 surface for server code (kii-servercode.md §2-3), in ES5.
 *
 * Every network method takes an optional {success, failure} callbacks object and returns a
 * Promise, with Kii's argument orders and resolution shapes. I/O is asynchronous: a method
 * queues a request {id, op, token, args} and returns a promise; the host takes the queue
 * after each turn (__kii_begin / __kii_resume), performs the requests with the same services
 * as the REST API, and settles the promises with JSON. Only strings cross the boundary.
 * Names starting with __kii_ are reserved: server code cannot name them (checked at upload).
 */
var __kii_global = this;
/* One execution's state: the only mutable object of the prelude, replaced at each start (the
 * rest of the prelude and every built-in are frozen before server code runs). */
function __kii_newRun() {
  return { seq: 0, waiting: 0, requests: [], pending: {}, jobs: [], logs: [], logBytes: 0, uncaught: null,
           run: { finished: false, returned: false, result: undefined, error: null }, app: {}, currentUser: null,
           ajax: {}, underscore: null };
}
var __kii_rt = __kii_newRun();
var __kii_LOG_LINES = 100, __kii_LOG_BYTES = 16 * 1024;

/* --- Promise (Promises/A+, as the SDK's "promiscuous" polyfill) and the job queue --------- */
function Promise(executor) {
  if (!(this instanceof Promise)) { throw new TypeError('Promise must be called with new'); }
  var self = this, called = false;
  this._s = 0; this._v = undefined; this._h = [];
  try {
    executor(function (v) { if (!called) { called = true; __kii_resolve(self, v); } },
             function (r) { if (!called) { called = true; __kii_settle(self, 2, r); } });
  } catch (e) {
    if (!called) { called = true; __kii_settle(self, 2, e); }
  }
}
function __kii_settle(p, state, value) {
  if (p._s) { return; }
  p._s = state; p._v = value;
  var handlers = p._h; p._h = null;
  for (var i = 0; i < handlers.length; i++) { __kii_schedule(p, handlers[i]); }
}
function __kii_resolve(p, x) {
  if (x === p) { __kii_settle(p, 2, new TypeError('A promise cannot be resolved with itself')); return; }
  if (x !== null && (typeof x === 'object' || typeof x === 'function')) {
    var then;
    try { then = x.then; } catch (e) { __kii_settle(p, 2, e); return; }
    if (typeof then === 'function') {
      var done = false;
      try {
        then.call(x, function (y) { if (!done) { done = true; __kii_resolve(p, y); } },
                     function (r) { if (!done) { done = true; __kii_settle(p, 2, r); } });
      } catch (e) {
        if (!done) { done = true; __kii_settle(p, 2, e); }
      }
      return;
    }
  }
  __kii_settle(p, 1, x);
}
function __kii_schedule(p, h) {
  __kii_rt.jobs.push(function () {
    var handler = p._s === 1 ? h.f : h.r;
    if (typeof handler !== 'function') {
      if (p._s === 1) { __kii_resolve(h.p, p._v); } else { __kii_settle(h.p, 2, p._v); }
      return;
    }
    var value;
    try { value = handler(p._v); } catch (e) { __kii_settle(h.p, 2, e); return; }
    __kii_resolve(h.p, value);
  });
}
Promise.prototype.then = function (onFulfilled, onRejected) {
  var next = new Promise(function () {});
  var h = { f: onFulfilled, r: onRejected, p: next };
  if (this._s) { __kii_schedule(this, h); } else { this._h.push(h); }
  return next;
};
Promise.prototype['catch'] = function (onRejected) { return this.then(undefined, onRejected); };
Promise.resolve = function (v) {
  if (v instanceof Promise) { return v; }
  return new Promise(function (resolve) { resolve(v); });
};
Promise.reject = function (r) { return new Promise(function (resolve, reject) { reject(r); }); };
Promise.all = function (items) {
  return new Promise(function (resolve, reject) {
    var out = [], left = items.length;
    if (!left) { resolve(out); return; }
    for (var i = 0; i < items.length; i++) {
      (function (i) {
        Promise.resolve(items[i]).then(function (v) {
          out[i] = v;
          left -= 1;
          if (left === 0) { resolve(out); }
        }, reject);
      })(i);
    }
  });
};
Promise.race = function (items) {
  return new Promise(function (resolve, reject) {
    for (var i = 0; i < items.length; i++) { Promise.resolve(items[i]).then(resolve, reject); }
  });
};
function __kii_runJobs() {
  var jobs = __kii_rt.jobs;
  while (jobs.length) { jobs.shift()(); }
}

/* --- console -------------------------------------------------------------------------------- */
/* An error prints as Node prints it: "Name: message", then the stack where the engine keeps one
 * (V8's stack starts with that line; QuickJS's has the frames only, js2py's none). */
function __kii_errorText(e) {
  var head = String(e), stack = typeof e.stack === 'string' ? e.stack.replace(/\s+$/, '') : '';
  if (!stack) { return head; }
  return stack.indexOf(head) === 0 ? stack : head + '\n' + stack;
}
function __kii_format(args) {
  var parts = [];
  for (var i = 0; i < args.length; i++) {
    var a = args[i];
    if (typeof a === 'string') { parts.push(a); continue; }
    if (a instanceof Error) { parts.push(__kii_errorText(a)); continue; }
    try { parts.push(a !== null && typeof a === 'object' ? JSON.stringify(a) : String(a)); }
    catch (e) { parts.push(String(a)); }
  }
  return parts.join(' ');
}
function __kii_log(level) {
  return function () {
    var rt = __kii_rt;
    if (rt.logs.length >= __kii_LOG_LINES || rt.logBytes >= __kii_LOG_BYTES) { rt.logsDropped = (rt.logsDropped || 0) + 1; return; }
    var message = __kii_format(arguments);
    if (message.length > 2048) { message = message.substring(0, 2048) + '...'; }
    rt.logBytes += message.length;
    rt.logs.push({ level: level, message: message });
  };
}
var console = { log: __kii_log('INFO'), info: __kii_log('INFO'), debug: __kii_log('DEBUG'),
                warn: __kii_log('WARN'), error: __kii_log('ERROR') };

/* --- host requests -------------------------------------------------------------------------- */
function __kii_call(op, token, args) {
  var rt = __kii_rt, id = ++rt.seq;
  var promise = new Promise(function (resolve, reject) { rt.pending[id] = { resolve: resolve, reject: reject, op: op }; });
  rt.waiting += 1;
  rt.requests.push({ id: id, op: op, token: token || null, args: args || {} });
  return promise;
}
function __kii_error(op, response) {
  var error = new Error(op + ' failed. statusCode: ' + response.status + ' error code: ' +
                        response.errorCode + ' message: ' + response.message);
  error.status = response.status;
  error.errorCode = response.errorCode;
  return error;
}
function __kii_callback(fn, args) {
  /* Callbacks run outside the promise chain: what they throw fails the execution. */
  try { fn.apply(null, args); } catch (e) { if (!__kii_rt.uncaught) { __kii_rt.uncaught = e; } }
}
/* One SDK operation: callbacks with Kii's argument orders, and a promise. `shape` turns the
 * host's answer into the resolved value; `spread` passes an array result as separate callback
 * arguments; `failArgs(error)` gives the failure callback's arguments. */
function __kii_io(op, token, args, callbacks, shape, spread, failArgs) {
  return __kii_call(op, token, args).then(function (raw) {
    var value = shape ? shape(raw) : raw;
    if (callbacks && typeof callbacks.success === 'function') {
      __kii_callback(callbacks.success, spread ? value : [value]);
    }
    return value;
  }, function (error) {
    if (callbacks && typeof callbacks.failure === 'function') {
      __kii_callback(callbacks.failure, failArgs ? failArgs(error) : [error.message]);
    }
    throw error;
  });
}
function __kii_targetFail(target) {
  return function (error) { error.target = target; return [target, error.message]; };
}
function __kii_reject(callbacks, target, message) {
  var error = new Error(message);
  error.target = target;
  if (callbacks && typeof callbacks.failure === 'function') { __kii_callback(callbacks.failure, [target, message]); }
  return Promise.reject(error);
}
function __kii_copy(o) {
  var out = {};
  for (var k in o) { if (Object.prototype.hasOwnProperty.call(o, k)) { out[k] = o[k]; } }
  return out;
}
function __kii_actor() { return __kii_rt.currentUser ? __kii_rt.currentUser._token : null; }
/* The official SDK binds every method to its instance (CoffeeScript's =>), and real code
 * relies on it: `(obj.objectACL || obj.acl)()`. */
function __kii_bound(fn, self) { return function () { return fn.apply(self, arguments); }; }
function __kii_bind(self) {
  for (var k in self) {
    var f = self[k];
    if (typeof f === 'function' && !Object.prototype.hasOwnProperty.call(self, k)) { self[k] = __kii_bound(f, self); }
  }
  return self;
}

/* --- Kii -------------------------------------------------------------------------------------- */
function InvalidArgumentException(message) { this.message = message; this.name = 'InvalidArgumentException'; }
InvalidArgumentException.prototype = new Error();
function InvalidURIException(message) { this.message = message || 'invalid URI'; this.name = 'InvalidURIException'; }
InvalidURIException.prototype = new Error();

var KiiServerCodeEnvironmentVersion = { V0: '0', V6: '6' };
/* Kii's sites, as the SDK names them. Server code passes one to Kii.initializeWithSite, which
 * changes nothing here: the app is the one the code runs in, and Kii.getBaseURL() its API. */
var KiiSite = { US: 'https://api.kii.com/api', JP: 'https://api-jp.kii.com/api', CN: 'https://api-cn2.kii.com/api',
                SG: 'https://api-sg.kii.com/api', CN3: 'https://api-cn3.kii.com/api', EU: 'https://api-eu.kii.com/api' };
var Kii = {
  getAppID: function () { return __kii_rt.app.appID; },
  getAppKey: function () { return __kii_rt.app.appKey; },
  getBaseURL: function () { return __kii_rt.app.baseURL; },
  getSDKVersion: function () { return '2.4.19'; },
  setAdditionalHeaders: function () {},
  initialize: function () {},
  initializeWithSite: function () {},
  bucketWithName: function (name) { return new KiiBucket(name, null, __kii_actor); },
  encryptedBucketWithName: function (name) { return Kii.bucketWithName('CRYPTO:' + name); },
  groupWithName: function (name, members) { return KiiGroup.groupWithNameAndMembers(name, members); },
  serverCodeEntry: function (name, version, environmentVersion) { return new KiiServerCodeEntry(name, version); },
  authenticateAsAdminWithToken: function (token, callbacks) {
    var admin = new KiiAppAdminContext(token);
    if (callbacks && typeof callbacks.success === 'function') { __kii_callback(callbacks.success, [admin]); }
    return Promise.resolve(admin);
  },
  logOut: function () { __kii_rt.currentUser = null; }
};
function KiiServerCodeEntry(name, version) { this._name = name; this._version = version || 'current'; __kii_bind(this); }
KiiServerCodeEntry.prototype.getEntryName = function () { return this._name; };
KiiServerCodeEntry.prototype.execute = function (args, callbacks) {
  var entry = this;
  return __kii_io('servercode.execute', __kii_actor(), { endpoint: this._name }, callbacks, null, false,
                  function (error) { return [entry, args, error.message]; });
};

/* --- principals and ACL subjects ------------------------------------------------------------- */
function KiiAnonymousUser() { __kii_bind(this); }
KiiAnonymousUser.prototype.getID = function () { return 'ANONYMOUS_USER'; };
KiiAnonymousUser.prototype._aclSubject = function () { return 'UserID:ANONYMOUS_USER'; };
function KiiAnyAuthenticatedUser() { __kii_bind(this); }
KiiAnyAuthenticatedUser.prototype.getID = function () { return 'ANY_AUTHENTICATED_USER'; };
KiiAnyAuthenticatedUser.prototype._aclSubject = function () { return 'UserID:ANY_AUTHENTICATED_USER'; };

/* --- KiiUser ---------------------------------------------------------------------------------- */
function KiiUser(id, tokenOf) { this._uuid = id || null; this._info = {}; this._token = null; this._tokenOf = tokenOf || __kii_actor; __kii_bind(this); }
KiiUser.prototype._as = function () { return this._token || this._tokenOf(); };
KiiUser.prototype._apply = function (raw) {
  this._uuid = raw.userID || this._uuid;
  this._info = raw;
  return this;
};
KiiUser.prototype._ref = function () {
  if (!this._uuid) { throw new InvalidArgumentException('The user has no ID yet'); }
  return this._uuid;
};
KiiUser.prototype.getID = function () { return this._uuid; };
KiiUser.prototype.getUUID = KiiUser.prototype.getID;
KiiUser.prototype.getUsername = function () { return this._info.loginName; };
KiiUser.prototype.getDisplayName = function () { return this._info.displayName; };
KiiUser.prototype.setDisplayName = function (v) { this._info.displayName = v; };
KiiUser.prototype.getEmailAddress = function () { return this._info.emailAddress; };
KiiUser.prototype.getPhoneNumber = function () { return this._info.phoneNumber; };
KiiUser.prototype.getCountry = function () { return this._info.country; };
KiiUser.prototype.setCountry = function (v) { this._info.country = v; };
KiiUser.prototype.getLocale = function () { return this._info.locale; };
KiiUser.prototype.isPseudoUser = function () { return !this._info.loginName && !this._info.emailAddress && !this._info.phoneNumber; };
KiiUser.prototype.getEmailVerified = function () { return this._info.emailAddressVerified; };
KiiUser.prototype.getPhoneVerified = function () { return this._info.phoneNumberVerified; };
KiiUser.prototype.isDisabled = function () { return !!this._info.disabled; };
KiiUser.prototype.getAccessToken = function () { return this._token; };
KiiUser.prototype.get = function (key) { return this._info[key]; };
KiiUser.prototype.set = function (key, value) { this._info[key] = value; (this._changed = this._changed || {})[key] = value; };
KiiUser.prototype.objectURI = function () { return 'kiicloud://users/' + this._uuid; };
KiiUser.prototype.getCreated = function () { return this._info._created; };
KiiUser.prototype.getModified = function () { return this._info._modified; };
KiiUser.prototype.setLocale = function (v) { this._info.locale = v; (this._changed = this._changed || {}).locale = v; };
KiiUser.prototype.getPendingEmailAddress = function () { return this._info._emailAddressPending; };
KiiUser.prototype.getPendingPhoneNumber = function () { return this._info._phoneNumberPending; };
KiiUser.prototype.disabled = function () { return !!this._info._disabled; };
KiiUser.prototype.encryptedBucketWithName = function (name) { return this.bucketWithName('CRYPTO:' + name); };
KiiUser.prototype._aclSubject = function () { return 'UserID:' + this._uuid; };
KiiUser.prototype.bucketWithName = function (name) { return new KiiBucket(name, { kind: 'user', id: this._uuid, owner: this }, this._tokenOf); };
KiiUser.prototype.refresh = function (callbacks) {
  var user = this;
  return __kii_io('user.get', this._as(), { user: this._ref() }, callbacks,
                  function (raw) { return user._apply(raw); }, false, __kii_targetFail(user));
};
KiiUser.prototype.save = function (callbacks) {
  var user = this, body = __kii_copy(this._changed || {});
  if (this._info.displayName !== undefined) { body.displayName = this._info.displayName; }
  if (this._info.country !== undefined) { body.country = this._info.country; }
  return __kii_io('user.update', this._as(), { user: this._ref(), body: body }, callbacks,
                  function (raw) { user._changed = {}; return user._apply(raw); }, false, __kii_targetFail(user));
};
KiiUser.prototype.update = function (identityData, callbacks, userFields, removeFields) {
  var user = this, body = __kii_copy(userFields || {});
  var identity = identityData || {};
  if (identity.getEmailAddress) { identity = { emailAddress: identity.getEmailAddress(), phoneNumber: identity.getPhoneNumber(), loginName: identity.getUsername() }; }
  for (var k in identity) { if (identity[k] !== undefined && identity[k] !== null) { body[k] = identity[k]; } }
  var remove = removeFields || [];
  for (var i = 0; i < remove.length; i++) { body[remove[i]] = null; }
  return __kii_io('user.update', this._as(), { user: this._ref(), body: body }, callbacks,
                  function (raw) { return user._apply(raw); }, false, __kii_targetFail(user));
};
KiiUser.prototype.register = function (callbacks) {
  var user = this, body = __kii_copy(this._info);
  body.password = this._password;
  return __kii_io('user.register', __kii_actor(), { body: body }, callbacks, function (raw) {
    /* As in Kii's SDK, registering signs the new user in: it becomes the current user. */
    user._apply(raw.user); user._token = raw.token; user._password = undefined; __kii_rt.currentUser = user; return user;
  }, false, __kii_targetFail(user));
};
KiiUser.prototype['delete'] = function (callbacks) {
  var user = this;
  return __kii_io('user.delete', this._as(), { user: this._ref() }, callbacks,
                  function () { return user; }, false, __kii_targetFail(user));
};
KiiUser.prototype.changePassword = function (newPassword, oldPassword, callbacks) {
  var user = this;
  return __kii_io('user.changePassword', this._as(), { user: this._ref(), body: { newPassword: newPassword, oldPassword: oldPassword } },
                  callbacks, function () { return user; }, false, __kii_targetFail(user));
};
KiiUser.prototype._groups = function (role, callbacks) {
  var user = this, tokenOf = this._tokenOf;
  return __kii_io('user.groups', this._as(), { user: this._ref(), role: role }, callbacks, function (raw) {
    var groups = [];
    for (var i = 0; i < raw.length; i++) { groups.push(new KiiGroup(null, tokenOf)._apply(raw[i])); }
    return [user, groups];
  }, true, __kii_targetFail(user));
};
KiiUser.prototype.memberOfGroups = function (callbacks) { return this._groups('member', callbacks); };
KiiUser.prototype.ownerOfGroups = function (callbacks) { return this._groups('owner', callbacks); };
KiiUser.userWithID = function (id) {
  if (!id) { throw new InvalidArgumentException('userID must not be empty'); }
  return new KiiUser(id);
};
KiiUser.userWithURI = function (uri) {
  var m = /^kiicloud:\/\/users\/([^\/]+)$/.exec(uri || '');
  if (!m) { throw new InvalidURIException(); }
  return new KiiUser(m[1]);
};
function __kii_newUser(fields, password) {
  var user = new KiiUser(null);
  for (var k in fields) { if (fields[k]) { user._info[k] = fields[k]; } }
  user._password = password;
  return user;
}
KiiUser.userWithUsername = function (username, password) { return __kii_newUser({ loginName: username }, password); };
KiiUser.userWithEmailAddress = function (email, password) { return __kii_newUser({ emailAddress: email }, password); };
KiiUser.userWithPhoneNumber = function (phone, password) { return __kii_newUser({ phoneNumber: phone }, password); };
KiiUser.userWithEmailAddressAndUsername = function (email, username, password) { return __kii_newUser({ emailAddress: email, loginName: username }, password); };
KiiUser.userWithPhoneNumberAndUsername = function (phone, username, password) { return __kii_newUser({ phoneNumber: phone, loginName: username }, password); };
KiiUser.userWithCredentials = function (email, phone, username, password) { return __kii_newUser({ emailAddress: email, phoneNumber: phone, loginName: username }, password); };
function __kii_signedIn(raw) {
  var user = new KiiUser(null);
  user._apply(raw.user);
  user._token = raw.token;
  user._tokenOf = function () { return user._token; };
  __kii_rt.currentUser = user;
  return user;
}
KiiUser.authenticate = function (username, password, callbacks) {
  return __kii_io('user.login', null, { username: username, password: password }, callbacks, __kii_signedIn, false,
                  function (error) { return [null, error.message]; });
};
KiiUser.authenticateWithToken = function (token, callbacks) {
  return __kii_io('user.whoami', token, {}, callbacks, function (raw) { return __kii_signedIn({ user: raw, token: token }); },
                  false, function (error) { return [null, error.message]; });
};
KiiUser.getCurrentUser = function () { return __kii_rt.currentUser; };
KiiUser.logOut = function () { __kii_rt.currentUser = null; };
function __kii_find(tokenOf, prefix, value, callbacks, shape) {
  return __kii_io('user.get', tokenOf(), { user: prefix + value }, callbacks, function (raw) {
    var user = new KiiUser(null, tokenOf)._apply(raw);
    return shape ? shape(user) : user;
  }, !!shape, function (error) { return [null, error.message]; });
}
KiiUser.findUserByUsername = function (v, callbacks) { return __kii_find(__kii_actor, 'LOGIN_NAME:', v, callbacks); };
KiiUser.findUserByEmail = function (v, callbacks) { return __kii_find(__kii_actor, 'EMAIL:', v, callbacks); };
KiiUser.findUserByPhone = function (v, callbacks) { return __kii_find(__kii_actor, 'PHONE:', v, callbacks); };

/* --- KiiGroup --------------------------------------------------------------------------------- */
function KiiGroup(name, tokenOf) { this._id = null; this._name = name || null; this._owner = null; this._add = []; this._remove = []; this._tokenOf = tokenOf || __kii_actor; __kii_bind(this); }
KiiGroup.prototype._apply = function (raw) {
  this._id = raw.groupID || this._id;
  if (raw.name !== undefined) { this._name = raw.name; }
  if (raw.owner !== undefined) { this._owner = raw.owner; }
  return this;
};
KiiGroup.prototype._ref = function () {
  if (!this._id) { throw new InvalidArgumentException('The group has no ID yet: save it first'); }
  return this._id;
};
KiiGroup.prototype.getID = function () { return this._id; };
KiiGroup.prototype.getUUID = KiiGroup.prototype.getID;
KiiGroup.prototype.getName = function () { return this._name; };
KiiGroup.prototype.objectURI = function () { return 'kiicloud://groups/' + this._id; };
KiiGroup.prototype._aclSubject = function () { return 'GroupID:' + this._id; };
KiiGroup.prototype.bucketWithName = function (name) { return new KiiBucket(name, { kind: 'group', id: this._id, owner: this }, this._tokenOf); };
KiiGroup.prototype.encryptedBucketWithName = function (name) { return this.bucketWithName('CRYPTO:' + name); };
KiiGroup.prototype.getCachedOwner = function () { return this._owner ? new KiiUser(this._owner, this._tokenOf) : null; };
KiiGroup.prototype.addUser = function (user) { this._add.push(user.getID()); };
KiiGroup.prototype.removeUser = function (user) { this._remove.push(user.getID()); };
KiiGroup.prototype.save = function (callbacks) { return this._save(null, callbacks); };
KiiGroup.prototype.saveWithOwner = function (owner, callbacks) { return this._save(owner, callbacks); };
KiiGroup.prototype._save = function (owner, callbacks) {
  var group = this, token = this._tokenOf(), adds = this._add, removes = this._remove;
  this._add = []; this._remove = [];
  var start;
  if (!this._id) {
    var body = { name: this._name, members: adds };
    if (owner) { body.owner = owner; }
    start = __kii_call('group.create', token, { body: body }).then(function (raw) { return group._apply(raw); });
  } else {
    var steps = [];
    for (var i = 0; i < adds.length; i++) { steps.push(__kii_call('group.addMember', token, { group: this._id, user: adds[i] })); }
    for (var j = 0; j < removes.length; j++) { steps.push(__kii_call('group.removeMember', token, { group: this._id, user: removes[j] })); }
    start = Promise.all(steps).then(function () { return group; });
  }
  return __kii_io_wrap(start, callbacks, __kii_targetFail(group));
};
function __kii_io_wrap(promise, callbacks, failArgs) {
  return promise.then(function (value) {
    if (callbacks && typeof callbacks.success === 'function') { __kii_callback(callbacks.success, [value]); }
    return value;
  }, function (error) {
    if (callbacks && typeof callbacks.failure === 'function') { __kii_callback(callbacks.failure, failArgs(error)); }
    throw error;
  });
}
KiiGroup.prototype.refresh = function (callbacks) {
  var group = this;
  return __kii_io('group.get', this._tokenOf(), { group: this._ref() }, callbacks,
                  function (raw) { return group._apply(raw); }, false, __kii_targetFail(group));
};
KiiGroup.prototype['delete'] = function (callbacks) {
  var group = this;
  return __kii_io('group.delete', this._tokenOf(), { group: this._ref() }, callbacks,
                  function () { return group; }, false, __kii_targetFail(group));
};
KiiGroup.prototype.getMemberList = function (callbacks) {
  var group = this, tokenOf = this._tokenOf;
  return __kii_io('group.members', this._tokenOf(), { group: this._ref() }, callbacks, function (raw) {
    var members = [];
    for (var i = 0; i < raw.length; i++) { members.push(new KiiUser(raw[i], tokenOf)); }
    return [group, members];
  }, true, __kii_targetFail(group));
};
KiiGroup.prototype.getOwner = function (callbacks) {
  var group = this, tokenOf = this._tokenOf;
  return __kii_io('group.get', this._tokenOf(), { group: this._ref() }, callbacks, function (raw) {
    group._apply(raw);
    return [group, new KiiUser(raw.owner, tokenOf)];
  }, true, __kii_targetFail(group));
};
KiiGroup.prototype.changeGroupName = function (name, callbacks) {
  var group = this;
  return __kii_io('group.rename', this._tokenOf(), { group: this._ref(), name: name }, callbacks,
                  function () { group._name = name; return group; }, false, __kii_targetFail(group));
};
KiiGroup.groupWithName = function (name) { return new KiiGroup(name); };
KiiGroup.groupWithNameAndMembers = function (name, members) {
  var group = new KiiGroup(name);
  for (var i = 0; members && i < members.length; i++) { group.addUser(members[i]); }
  return group;
};
KiiGroup.groupWithID = function (id) {
  if (!id) { throw new InvalidArgumentException('groupID must not be empty'); }
  var group = new KiiGroup(null); group._id = id; return group;
};
KiiGroup.groupWithURI = function (uri) {
  var m = /^kiicloud:\/\/groups\/([^\/]+)$/.exec(uri || '');
  if (!m) { throw new InvalidURIException(); }
  return KiiGroup.groupWithID(m[1]);
};
KiiGroup.registerGroupWithID = function (id, name, members, callbacks) {
  return __kii_registerGroup(__kii_actor, id, name, null, members, callbacks);
};
function __kii_registerGroup(tokenOf, id, name, owner, members, callbacks) {
  var group = new KiiGroup(name, tokenOf), ids = [];
  for (var i = 0; members && i < members.length; i++) { ids.push(members[i].getID()); }
  var body = { name: name, members: ids };
  if (owner) { body.owner = owner; }
  return __kii_io('group.createWithID', tokenOf(), { group: id, body: body }, callbacks,
                  function (raw) { return group._apply(raw); }, false, __kii_targetFail(group));
}

/* --- KiiThing --------------------------------------------------------------------------------- */
function KiiThing(tokenOf) { this.fields = {}; this._tokenOf = tokenOf || __kii_actor; this._thingID = null; __kii_bind(this); }
KiiThing.prototype._apply = function (raw) {
  this._thingID = raw._thingID;
  this._raw = raw;
  var fields = {};
  for (var k in raw) { if (k !== '_thingID' && k !== '_password') { fields[k] = raw[k]; } }
  this.fields = fields;
  return this;
};
KiiThing.prototype.getThingID = function () { return this._thingID; };
KiiThing.prototype.getVendorThingID = function () { return this.fields._vendorThingID; };
KiiThing.prototype.getAccessToken = function () { return this._raw && this._raw._accessToken; };
KiiThing.prototype.getCreated = function () { return this.fields._created; };
KiiThing.prototype.getDisabled = function () { return !!this.fields._disabled; };
KiiThing.prototype.isOnline = function () { return !!this.fields._online; };
KiiThing.prototype.objectURI = function () { return 'kiicloud://things/' + this._thingID; };
KiiThing.prototype._aclSubject = function () { return 'ThingID:' + this._thingID; };
KiiThing.prototype.bucketWithName = function (name) { return new KiiBucket(name, { kind: 'thing', id: this._thingID, owner: this }, this._tokenOf); };
KiiThing.prototype.encryptedBucketWithName = function (name) { return this.bucketWithName('CRYPTO:' + name); };
KiiThing.prototype.getOnlineStatusModifiedAt = function () { return this.fields._onlineStatusModifiedAt; };
function __kii_thingFail(error) { return [error]; }
KiiThing.prototype._op = function (op, args, callbacks, shape, spread) {
  args.thing = this._thingID;
  return __kii_io(op, this._tokenOf(), args, callbacks, shape, spread, __kii_thingFail);
};
KiiThing.prototype.refresh = function (callbacks) {
  var thing = this;
  return this._op('thing.get', {}, callbacks, function (raw) { return thing._apply(raw); });
};
KiiThing.prototype.update = function (callbacks) {
  var thing = this, body = {};
  for (var k in this.fields) { if (k.charAt(0) !== '_' || k === '_vendorThingID' || k === '_layoutPosition' || k === '_thingType' || k === '_vendor' || k === '_firmwareVersion' || k === '_productName' || k === '_lot' || k === '_stringField1' || k === '_numberField1') { body[k] = this.fields[k]; } }
  return this._op('thing.update', { body: body }, callbacks, function (raw) { return thing._apply(raw); });
};
KiiThing.prototype.deleteThing = function (callbacks) {
  var thing = this;
  return this._op('thing.delete', {}, callbacks, function () { return thing; });
};
KiiThing.prototype.disable = function (callbacks) {
  var thing = this;
  return this._op('thing.status', { disabled: true }, callbacks, function () { thing.fields._disabled = true; return thing; });
};
KiiThing.prototype.enable = function (callbacks) {
  var thing = this;
  return this._op('thing.status', { disabled: false }, callbacks, function () { thing.fields._disabled = false; return thing; });
};
KiiThing.prototype.registerOwner = function (owner, callbacks) {
  return this._op('thing.addOwner', { owner: __kii_ownerRef(owner) }, callbacks, function () { return owner; });
};
KiiThing.prototype.unregisterOwner = function (owner, callbacks) {
  return this._op('thing.removeOwner', { owner: __kii_ownerRef(owner) }, callbacks, function () { return owner; });
};
KiiThing.prototype.isOwner = function (owner, callbacks) {
  var thing = this;
  return this._op('thing.isOwner', { owner: __kii_ownerRef(owner) }, callbacks,
                  function (raw) { return [thing, owner, raw]; }, true);
};
function __kii_ownerRef(owner) { return (owner instanceof KiiGroup ? 'group:' : 'user:') + owner.getID(); }
function __kii_loadThing(tokenOf, ref, callbacks) {
  var thing = new KiiThing(tokenOf);
  return __kii_io('thing.get', tokenOf(), { thing: ref }, callbacks, function (raw) { return thing._apply(raw); }, false, __kii_thingFail);
}
function __kii_registerThing(tokenOf, fields, callbacks) {
  var thing = new KiiThing(tokenOf);
  return __kii_io('thing.register', tokenOf(), { body: fields }, callbacks, function (raw) { return thing._apply(raw); }, false, __kii_thingFail);
}
KiiThing.register = function (fields, callbacks) { return __kii_registerThing(__kii_actor, fields, callbacks); };
KiiThing.loadWithThingID = function (id, callbacks) { return __kii_loadThing(__kii_actor, id, callbacks); };
KiiThing.loadWithVendorThingID = function (vid, callbacks) { return __kii_loadThing(__kii_actor, 'VENDOR_THING_ID:' + vid, callbacks); };
KiiThing.thingWithID = function (id) { var thing = new KiiThing(); thing._thingID = id; return thing; };

/* --- KiiACL ------------------------------------------------------------------------------------ */
var KiiACLAction = {
  KiiACLBucketActionCreateObjects: 'CREATE_OBJECTS_IN_BUCKET',
  KiiACLBucketActionQueryObjects: 'QUERY_OBJECTS_IN_BUCKET',
  KiiACLBucketActionDropBucket: 'DROP_BUCKET_WITH_ALL_CONTENT',
  KiiACLBucketActionReadObjects: 'READ_OBJECTS_IN_BUCKET',
  KiiACLObjectActionRead: 'READ_EXISTING_OBJECT',
  KiiACLObjectActionWrite: 'WRITE_EXISTING_OBJECT',
  KiiACLSubscribeToTopic: 'SUBSCRIBE_TO_TOPIC',
  KiiACLSendMessageToTopic: 'SEND_MESSAGE_TO_TOPIC'
};
function KiiACLEntry(subject, action) { this._subject = subject; this._action = action; this._grant = true; __kii_bind(this); }
KiiACLEntry.entryWithSubject = function (subject, action) { return new KiiACLEntry(subject, action); };
KiiACLEntry.prototype.setGrant = function (v) { this._grant = !!v; };
KiiACLEntry.prototype.getGrant = function () { return this._grant; };
KiiACLEntry.prototype.setAction = function (v) { this._action = v; };
KiiACLEntry.prototype.getAction = function () { return this._action; };
KiiACLEntry.prototype.setSubject = function (v) { this._subject = v; };
KiiACLEntry.prototype.getSubject = function () { return this._subject; };
KiiACLEntry.prototype.getActionString = function () { return this._action; };
KiiACLEntry.prototype.getEntityString = function () { return this._subject && this._subject._aclSubject ? this._subject._aclSubject() : String(this._subject); };
function KiiACL(target, where) { this._target = target; this._where = where; this._changes = []; __kii_bind(this); }
KiiACL.prototype.putACLEntry = function (entry) { this._changes.push(entry); };
KiiACL.prototype.removeACLEntry = function (entry) { var e = new KiiACLEntry(entry._subject, entry._action); e._grant = false; this._changes.push(e); };
KiiACL.prototype.listACLEntries = function (callbacks) {
  var acl = this, target = this._target;
  return __kii_io((this._where.op || 'acl') + '.get', this._where.token(), this._where.args, callbacks, function (raw) {
    var entries = [];
    for (var action in raw) {
      var subjects = raw[action];
      for (var i = 0; i < subjects.length; i++) {
        var s = subjects[i], subject;
        if (s.userID === 'ANONYMOUS_USER') { subject = new KiiAnonymousUser(); }
        else if (s.userID === 'ANY_AUTHENTICATED_USER') { subject = new KiiAnyAuthenticatedUser(); }
        else if (s.userID) { subject = KiiUser.userWithID(s.userID); }
        else if (s.groupID) { subject = KiiGroup.groupWithID(s.groupID); }
        else if (s.thingID) { subject = KiiThing.thingWithID(s.thingID); }
        entries.push(KiiACLEntry.entryWithSubject(subject, action));
      }
    }
    return [acl, entries];
  }, true, __kii_targetFail(target));
};
KiiACL.prototype.save = function (callbacks) {
  var acl = this, changes = this._changes, steps = [];
  this._changes = [];
  for (var i = 0; i < changes.length; i++) {
    var args = __kii_copy(this._where.args);
    args.action = changes[i]._action;
    args.subject = changes[i]._subject._aclSubject();
    args.grant = changes[i]._grant;
    steps.push(__kii_call((this._where.op || 'acl') + '.change', this._where.token(), args));
  }
  return __kii_io_wrap(Promise.all(steps).then(function () { return acl; }), callbacks, __kii_targetFail(acl));
};

/* --- KiiBucket ---------------------------------------------------------------------------------- */
function KiiBucket(name, scope, tokenOf) { this._name = name; this._scope = scope; this._tokenOf = tokenOf || __kii_actor; __kii_bind(this); }
KiiBucket.prototype.getBucketName = function () { return this._name; };
KiiBucket.prototype._scopeArg = function () { return this._scope ? { kind: this._scope.kind, id: this._scope.id } : { kind: 'app' }; };
KiiBucket.prototype._args = function () { return { scope: this._scopeArg(), bucket: this._name }; };
KiiBucket.prototype.objectURI = function () {
  return (this._scope ? this._scope.owner.objectURI() + '/' : 'kiicloud://') + 'buckets/' + this._name;
};
KiiBucket.prototype.createObject = function () { return new KiiObject(this); };
KiiBucket.prototype.getUser = function () { return this._scope && this._scope.kind === 'user' ? this._scope.owner : null; };
KiiBucket.prototype.getGroup = function () { return this._scope && this._scope.kind === 'group' ? this._scope.owner : null; };
KiiBucket.prototype.getThing = function () { return this._scope && this._scope.kind === 'thing' ? this._scope.owner : null; };
KiiBucket.prototype.createObjectWithType = function (type) { var o = new KiiObject(this); o._type = type; return o; };
KiiBucket.prototype.createObjectWithID = function (id) {
  if (!id) { throw new InvalidArgumentException('objectID must not be empty'); }
  var o = new KiiObject(this); o._id = id; o._new = true; return o;
};
KiiBucket.prototype.acl = function () {
  var bucket = this;
  return new KiiACL(this, { token: function () { return bucket._tokenOf(); }, args: this._args() });
};
KiiBucket.prototype['delete'] = function (callbacks) {
  var bucket = this;
  return __kii_io('bucket.drop', this._tokenOf(), this._args(), callbacks, function () { return bucket; }, false, __kii_targetFail(bucket));
};
KiiBucket.prototype.executeQuery = function (query, callbacks) {
  var bucket = this;
  query = query || KiiQuery.queryWithClause();
  var args = this._args();
  args.query = query._dictValue();
  return __kii_io('bucket.query', this._tokenOf(), args, callbacks, function (raw) {
    var results = [];
    for (var i = 0; i < raw.results.length; i++) { results.push(new KiiObject(bucket)._apply(raw.results[i])); }
    var next = null;
    if (raw.nextPaginationKey) { next = query._copy(); next._paginationKey = raw.nextPaginationKey; }
    return [query, results, next];
  }, true, function (error) { return [query, error.message]; });
};
KiiBucket.prototype.countWithQuery = function (query, callbacks) {
  var bucket = this;
  query = query || KiiQuery.queryWithClause();
  var args = this._args();
  args.query = query._dictValue();
  args.query.bucketQuery.aggregations = [{ type: 'COUNT', putAggregationInto: 'count_field' }];
  return __kii_io('bucket.query', this._tokenOf(), args, callbacks, function (raw) {
    return [bucket, query, raw.aggregations.count_field];
  }, true, function (error) { return [bucket, query, error.message]; });
};
KiiBucket.prototype.count = function (callbacks) { return this.countWithQuery(null, callbacks); };

/* --- KiiObject ---------------------------------------------------------------------------------- */
function KiiGeoPoint(lat, lon) { this._lat = lat; this._lon = lon; __kii_bind(this); }
KiiGeoPoint.geoPoint = function (lat, lon) { return new KiiGeoPoint(lat, lon); };
KiiGeoPoint.prototype.getLatitude = function () { return this._lat; };
KiiGeoPoint.prototype.getLongitude = function () { return this._lon; };
KiiGeoPoint.prototype.toObject = function () { return { _type: 'point', lat: this._lat, lon: this._lon }; };

function KiiObject(bucket) {
  this._bucket = bucket; this._id = null; this._customInfo = {}; this._patch = {};
  this._created = null; this._modified = null; this._owner = null; this._version = null; this._type = null; this._new = false;
  __kii_bind(this);
}
KiiObject.prototype._apply = function (raw) {
  var info = {};
  for (var k in raw) {
    if (k === '_id') { this._id = raw[k]; }
    else if (k === '_created') { this._created = raw[k]; }
    else if (k === '_modified') { this._modified = raw[k]; }
    else if (k === '_owner') { this._owner = raw[k]; }
    else if (k === '_version') { this._version = raw[k]; }
    else if (k === '_dataType') { this._type = raw[k]; }
    else { info[k] = raw[k]; }
  }
  this._customInfo = info;
  this._patch = {};
  this._new = false;
  return this;
};
KiiObject.prototype._ref = function () {
  if (!this._id) { throw new InvalidArgumentException('The object has no ID yet: save it first'); }
  var args = this._bucket._args(); args.object = this._id; return args;
};
KiiObject.prototype._token = function () { return this._bucket._tokenOf(); };
KiiObject.prototype.getID = function () { return this._id; };
KiiObject.prototype.getUUID = KiiObject.prototype.getID;
KiiObject.prototype.getCreated = function () { return this._created; };
KiiObject.prototype.getModified = function () { return this._modified; };
KiiObject.prototype.getObjectType = function () { return this._type; };
KiiObject.prototype.getBucket = function () { return this._bucket; };
KiiObject.prototype.get = function (key) { return this._customInfo[key]; };
KiiObject.prototype.set = function (key, value) { this._customInfo[key] = value; this._patch[key] = value; };
KiiObject.prototype.remove = function (key) { delete this._customInfo[key]; delete this._patch[key]; };
KiiObject.prototype.getKeys = function () { return Object.keys(this._customInfo); };
KiiObject.prototype.setGeoPoint = function (key, point) { this.set(key, point.toObject()); };
KiiObject.prototype.getGeoPoint = function (key) { var v = this._customInfo[key]; return v ? new KiiGeoPoint(v.lat, v.lon) : undefined; };
KiiObject.prototype.objectURI = function () { return this._id ? this._bucket.objectURI() + '/objects/' + this._id : null; };
KiiObject.prototype.objectACL = function () {
  var obj = this;
  return new KiiACL(this, { token: function () { return obj._token(); }, args: this._ref() });
};
KiiObject.prototype.save = function (callbacks, overwrite) {
  var obj = this, fail = __kii_targetFail(obj), shape = function (raw) { return obj._apply(raw); };
  if (!this._id || this._new) { return this._create(callbacks); }
  var args = this._ref();
  args.body = this._patch;
  if (overwrite === false && this._version) { args.ifMatch = this._version; }
  return __kii_io('object.patch', this._token(), args, callbacks, shape, false, fail);
};
KiiObject.prototype.saveAllFields = function (callbacks, overwrite) {
  var obj = this;
  if (!this._id) { return this._create(callbacks); }
  var args = this._ref();
  args.body = this._customInfo;
  args.dataType = this._type;
  if (overwrite === false) { if (this._version && !this._new) { args.ifMatch = this._version; } else { args.ifNoneMatch = true; } }
  return __kii_io('object.replace', this._token(), args, callbacks, function (raw) { return obj._apply(raw); }, false, __kii_targetFail(obj));
};
KiiObject.prototype._create = function (callbacks) {
  var obj = this, args = this._bucket._args();
  args.body = this._customInfo;
  args.dataType = this._type;
  if (this._id) { args.object = this._id; }
  return __kii_io('object.create', this._token(), args, callbacks, function (raw) { return obj._apply(raw); }, false, __kii_targetFail(obj));
};
KiiObject.prototype.refresh = function (callbacks) {
  var obj = this;
  return __kii_io('object.get', this._token(), this._ref(), callbacks, function (raw) { return obj._apply(raw); }, false, __kii_targetFail(obj));
};
KiiObject.prototype['delete'] = function (callbacks) {
  var obj = this;
  return __kii_io('object.delete', this._token(), this._ref(), callbacks, function () { return obj; }, false, __kii_targetFail(obj));
};
/* Publishing the body: the promise resolves [object, url]; success(object, url). */
KiiObject.prototype._publish = function (request, callbacks) {
  var obj = this, args = this._ref();
  args.body = request;
  return __kii_io('object.publishBody', this._token(), args, callbacks, function (raw) { return [obj, raw.url]; },
                  true, __kii_targetFail(obj));
};
KiiObject.prototype.publishBody = function (callbacks) { return this._publish({}, callbacks); };
KiiObject.prototype.publishBodyExpiresAt = function (expiresAt, callbacks) {
  if (!(expiresAt instanceof Date)) { return __kii_reject(callbacks, this, 'expiresAt must be a Date'); }
  return this._publish({ expiresAt: expiresAt.getTime() }, callbacks);
};
KiiObject.prototype.publishBodyExpiresIn = function (expiresIn, callbacks) {
  return this._publish({ expiresIn: expiresIn }, callbacks);
};
function __kii_objectWithURI(uri, tokenOf) {
  var m = /^kiicloud:\/\/(?:(users|groups|things)\/([^\/]+)\/)?buckets\/([^\/]+)\/objects\/([^\/]+)$/.exec(uri || '');
  if (!m) { throw new InvalidURIException('Invalid object URI: ' + uri); }
  var owner = null;
  if (m[1] === 'users') { owner = new KiiUser(m[2], tokenOf); }
  else if (m[1] === 'groups') { owner = KiiGroup.groupWithID(m[2]); owner._tokenOf = tokenOf; }
  else if (m[1] === 'things') { owner = KiiThing.thingWithID(m[2]); owner._tokenOf = tokenOf; }
  var bucket = owner ? owner.bucketWithName(m[3]) : new KiiBucket(m[3], null, tokenOf);
  var obj = new KiiObject(bucket);
  obj._id = m[4];
  return obj;
}
KiiObject.objectWithURI = function (uri) { return __kii_objectWithURI(uri, __kii_actor); };
KiiObject.isValidObjectID = function (id) { return typeof id === 'string' && /^[a-zA-Z0-9\-_\.]{2,100}$/.test(id); };

/* --- KiiQuery / KiiClause --------------------------------------------------------------------- */
function KiiClause(dict) { this._dict = dict; __kii_bind(this); }
KiiClause.prototype._dictValue = function () { return this._dict; };
function __kii_clause(type, field, extra) { var d = { type: type, field: field }; for (var k in extra) { d[k] = extra[k]; } return new KiiClause(d); }
KiiClause.equals = function (f, v) { return __kii_clause('eq', f, { value: v }); };
KiiClause.notEquals = function (f, v) { return KiiClause.not(KiiClause.equals(f, v)); };
KiiClause.greaterThan = function (f, v) { return __kii_clause('range', f, { lowerLimit: v, lowerIncluded: false }); };
KiiClause.greaterThanOrEqual = function (f, v) { return __kii_clause('range', f, { lowerLimit: v, lowerIncluded: true }); };
KiiClause.lessThan = function (f, v) { return __kii_clause('range', f, { upperLimit: v, upperIncluded: false }); };
KiiClause.lessThanOrEqual = function (f, v) { return __kii_clause('range', f, { upperLimit: v, upperIncluded: true }); };
KiiClause.inClause = function (f, values) { return __kii_clause('in', f, { values: values }); };
KiiClause.startsWith = function (f, prefix) { return __kii_clause('prefix', f, { prefix: prefix }); };
KiiClause.hasField = function (f, fieldType) { return __kii_clause('hasField', f, { fieldType: fieldType }); };
KiiClause.not = function (clause) { return new KiiClause({ type: 'not', clause: clause._dictValue() }); };
function __kii_combine(type, list) {
  var clauses = [];
  for (var i = 0; i < list.length; i++) { if (list[i]) { clauses.push(list[i]._dictValue()); } }
  return new KiiClause({ type: type, clauses: clauses });
}
KiiClause.and = function () { return __kii_combine('and', arguments); };
KiiClause.or = function () { return __kii_combine('or', arguments); };
KiiClause.geoBox = function (f, ne, sw) { return __kii_clause('geobox', f, { box: { ne: { lat: ne.getLatitude(), lon: ne.getLongitude() }, sw: { lat: sw.getLatitude(), lon: sw.getLongitude() } } }); };
KiiClause.geoDistance = function (f, center, radius, putDistanceInto) {
  var extra = { center: { lat: center.getLatitude(), lon: center.getLongitude() }, radius: radius };
  if (putDistanceInto) { extra.putDistanceInto = putDistanceInto; }
  return __kii_clause('geodistance', f, extra);
};
function KiiQuery(clause) { this._clause = clause || null; this._limit = null; this._sort = null; this._descending = false; this._paginationKey = null; __kii_bind(this); }
KiiQuery.queryWithClause = function (clause) { return new KiiQuery(clause); };
KiiQuery.prototype.setLimit = function (n) { this._limit = n; };
KiiQuery.prototype.getLimit = function () { return this._limit; };
KiiQuery.prototype.getPaginationKey = function () { return this._paginationKey; };
KiiQuery.prototype.setPaginationKey = function (key) { this._paginationKey = key; };
KiiQuery.prototype.sortByAsc = function (f) { this._sort = f; this._descending = false; };
KiiQuery.prototype.sortByDesc = function (f) { this._sort = f; this._descending = true; };
KiiQuery.prototype._copy = function () {
  var q = new KiiQuery(this._clause); q._limit = this._limit; q._sort = this._sort; q._descending = this._descending; return q;
};
KiiQuery.prototype._dictValue = function () {
  var bucketQuery = { clause: this._clause ? this._clause._dictValue() : { type: 'all' } };
  if (this._sort) { bucketQuery.orderBy = this._sort; bucketQuery.descending = this._descending; }
  var dict = { bucketQuery: bucketQuery };
  if (this._limit) { dict.bestEffortLimit = this._limit; }
  if (this._paginationKey) { dict.paginationKey = this._paginationKey; }
  return dict;
};

/* --- the app admin context and the execution context ----------------------------------------- */
function KiiAppAdminContext(token) {
  var self = this;
  this._token = token;
  this._tokenOf = function () { return self._token; };
  __kii_bind(this);
}
KiiAppAdminContext.prototype.getAccessToken = function () { return this._token; };
KiiAppAdminContext.prototype._getToken = KiiAppAdminContext.prototype.getAccessToken;
KiiAppAdminContext.prototype.bucketWithName = function (name) { return new KiiBucket(name, null, this._tokenOf); };
KiiAppAdminContext.prototype.encryptedBucketWithName = function (name) { return this.bucketWithName('CRYPTO:' + name); };
KiiAppAdminContext.prototype.groupWithName = function (name) { return new KiiGroup(name, this._tokenOf); };
KiiAppAdminContext.prototype.groupWithID = function (id) { var g = KiiGroup.groupWithID(id); g._tokenOf = this._tokenOf; return g; };
KiiAppAdminContext.prototype.groupWithURI = function (uri) { var g = KiiGroup.groupWithURI(uri); g._tokenOf = this._tokenOf; return g; };
KiiAppAdminContext.prototype.userWithID = function (id) { var u = KiiUser.userWithID(id); u._tokenOf = this._tokenOf; return u; };
KiiAppAdminContext.prototype.objectWithURI = function (uri) { return __kii_objectWithURI(uri, this._tokenOf); };
KiiAppAdminContext.prototype.thingWithID = function (id) { var t = KiiThing.thingWithID(id); t._tokenOf = this._tokenOf; return t; };
KiiAppAdminContext.prototype.registerGroupWithOwnerAndID = function (id, name, owner, members, callbacks) {
  return __kii_registerGroup(this._tokenOf, id, name, owner, members, callbacks);
};
KiiAppAdminContext.prototype.registerThing = function (fields, callbacks) { return __kii_registerThing(this._tokenOf, fields, callbacks); };
KiiAppAdminContext.prototype.loadThingWithThingID = function (id, callbacks) { return __kii_loadThing(this._tokenOf, id, callbacks); };
KiiAppAdminContext.prototype.loadThingWithVendorThingID = function (vid, callbacks) { return __kii_loadThing(this._tokenOf, 'VENDOR_THING_ID:' + vid, callbacks); };
KiiAppAdminContext.prototype._registerOwner = function (ref, owner, callbacks) {
  return __kii_io('thing.addOwner', this._token, { thing: ref, owner: __kii_ownerRef(owner) }, callbacks,
                  function () { return [owner]; }, true, __kii_thingFail);
};
KiiAppAdminContext.prototype.registerOwnerWithThingID = function (id, owner, callbacks) { return this._registerOwner(id, owner, callbacks); };
KiiAppAdminContext.prototype.registerOwnerWithVendorThingID = function (vid, owner, callbacks) { return this._registerOwner('VENDOR_THING_ID:' + vid, owner, callbacks); };
KiiAppAdminContext.prototype._find = function (prefix, value, callbacks) {
  var admin = this;
  return __kii_find(this._tokenOf, prefix, value, callbacks, function (user) { return [admin, user]; });
};
KiiAppAdminContext.prototype.findUserByUsername = function (v, callbacks) { return this._find('LOGIN_NAME:', v, callbacks); };
KiiAppAdminContext.prototype.findUserByEmail = function (v, callbacks) { return this._find('EMAIL:', v, callbacks); };
KiiAppAdminContext.prototype.findUserByPhone = function (v, callbacks) { return this._find('PHONE:', v, callbacks); };

/* --- KiiTopic, KiiPushMessageBuilder, KiiPushSubscription (docs/push.md) ----------------------- */
function __kii_scopeArg(scope) { return scope ? { kind: scope.kind, id: scope.id } : { kind: 'app' }; }
function __kii_fail1(target) { return function (error) { error.target = target; return [error]; }; }
/* Failures name their target whether they reach a callback or a promise (the official SDK's errObj.target). */
function __kii_targeted(promise, target) { return promise.then(null, function (error) { error.target = target; throw error; }); }
function KiiTopic(name, scope, tokenOf) { this._name = name; this._scope = scope; this._tokenOf = tokenOf || __kii_actor; __kii_bind(this); }
KiiTopic.prototype.getName = function () { return this._name; };
KiiTopic.prototype._args = function () { return { scope: __kii_scopeArg(this._scope), topic: this._name }; };
KiiTopic.prototype._pushTarget = function () { return { scope: __kii_scopeArg(this._scope), target: 'topic', name: this._name }; };
KiiTopic.prototype.objectURI = function () {
  return (this._scope ? this._scope.owner.objectURI() + '/' : 'kiicloud://') + 'topics/' + this._name;
};
KiiTopic.prototype._io = function (op, args, callbacks, shape, spread) {
  return __kii_targeted(__kii_io(op, this._tokenOf(), args, callbacks, shape, spread, __kii_fail1(this)), this);
};
KiiTopic.prototype.exists = function (callbacks) {
  return this._io('topic.exists', this._args(), callbacks, null, false);
};
KiiTopic.prototype.save = function (callbacks) {
  var topic = this;
  return this._io('topic.create', this._args(), callbacks, function () { return topic; }, false);
};
KiiTopic.prototype.deleteTopic = function (callbacks) {
  var topic = this;
  return this._io('topic.delete', this._args(), callbacks, function () { return topic; }, false);
};
KiiTopic.prototype.sendMessage = function (message, callbacks) {
  var topic = this, args = this._args();
  args.message = message;
  return this._io('topic.send', args, callbacks, function () { return [topic, message]; }, true);
};
KiiTopic.prototype.acl = function () {
  var topic = this;
  return new KiiACL(this, { token: function () { return topic._tokenOf(); }, args: this._args(), op: 'topic.acl' });
};
function __kii_listTopics(scope, tokenOf, make, callbacks, paginationKey) {
  var args = { scope: __kii_scopeArg(scope) };
  if (paginationKey) { args.paginationKey = paginationKey; }
  return __kii_io('topic.list', tokenOf(), args, callbacks, function (raw) {
    var topics = [];
    for (var i = 0; i < raw.topics.length; i++) { topics.push(make(raw.topics[i])); }
    return [topics, raw.paginationKey || null];
  }, true, function (error) { return [error]; });
}
Kii.topicWithName = function (name) { return new KiiTopic(name, null, __kii_actor); };
Kii.listTopics = function (callbacks, paginationKey) { return __kii_listTopics(null, __kii_actor, Kii.topicWithName, callbacks, paginationKey); };
KiiUser.prototype._scopeOf = function () { var user = this; return [{ kind: 'user', id: this._uuid, owner: this }, function () { return user._as(); }]; };
KiiGroup.prototype._scopeOf = function () { return [{ kind: 'group', id: this._id, owner: this }, this._tokenOf]; };
KiiThing.prototype._scopeOf = function () { return [{ kind: 'thing', id: this._thingID, owner: this }, this._tokenOf]; };
KiiAppAdminContext.prototype._scopeOf = function () { return [null, this._tokenOf]; };
function __kii_topicsIn(proto) {
  proto.topicWithName = function (name) { var s = this._scopeOf(); return new KiiTopic(name, s[0], s[1]); };
  proto.listTopics = function (callbacks, paginationKey) {
    var s = this._scopeOf();
    return __kii_listTopics(s[0], s[1], function (name) { return new KiiTopic(name, s[0], s[1]); }, callbacks, paginationKey);
  };
}
__kii_topicsIn(KiiUser.prototype);
__kii_topicsIn(KiiGroup.prototype);
__kii_topicsIn(KiiThing.prototype);
__kii_topicsIn(KiiAppAdminContext.prototype);
KiiBucket.prototype._pushTarget = function () { return { scope: this._scopeArg(), target: 'bucket', name: this._name }; };

/* What a device receives: `data` on every channel, a section per channel (`enabled` and the
 * channel's own fields), and the environments; Kii's builder, field for field. */
function KiiPushMessageBuilder(data) {
  this.data = data;
  this.gcm = { enabled: true };
  this.apns = { enabled: true };
  this.jpush = { enabled: true };
  this.mqtt = { enabled: true };
  __kii_bind(this);
}
KiiPushMessageBuilder.prototype.build = function () {
  var message = { data: this.data, gcm: this.gcm, apns: this.apns, jpush: this.jpush, mqtt: this.mqtt };
  if (this.sendToDevelopment !== undefined && this.sendToDevelopment !== null) { message.sendToDevelopment = this.sendToDevelopment; }
  if (this.sendToProduction !== undefined && this.sendToProduction !== null) { message.sendToProduction = this.sendToProduction; }
  return message;
};
KiiPushMessageBuilder.prototype.setSendToDevelopment = function (flag) { this.sendToDevelopment = flag; return this; };
KiiPushMessageBuilder.prototype.setSendToProduction = function (flag) { this.sendToProduction = flag; return this; };
(function () {
  var setters = {
    enableGcm: ['gcm', 'enabled'], enableApns: ['apns', 'enabled'], enableJpush: ['jpush', 'enabled'], enableMqtt: ['mqtt', 'enabled'],
    gcmData: ['gcm', 'data'], gcmCollapseKey: ['gcm', 'collapseKey'], gcmDelayWhileIdle: ['gcm', 'delayWhileIdle'],
    gcmTimeToLive: ['gcm', 'timeToLive'], gcmRestrictedPackageName: ['gcm', 'restrictedPackageName'],
    apnsData: ['apns', 'data'], apnsAlert: ['apns', 'alert'], apnsSound: ['apns', 'sound'], apnsBadge: ['apns', 'badge'],
    apnsCategory: ['apns', 'category'], jpushData: ['jpush', 'data'], mqttData: ['mqtt', 'data']
  };
  function setter(section, field) { return function (value) { this[section][field] = value; return this; }; }
  for (var name in setters) { KiiPushMessageBuilder.prototype[name] = setter(setters[name][0], setters[name][1]); }
  function flag(field) {
    return function (value) { if (value > 0) { this.apns[field] = true; } else { delete this.apns[field]; } return this; };
  }
  KiiPushMessageBuilder.prototype.apnsContentAvailable = flag('contentAvailable');
  KiiPushMessageBuilder.prototype.apnsMutableContent = flag('mutableContent');
})();

function KiiPushSubscription(subscriber) { this._subscriber = subscriber; __kii_bind(this); }
KiiPushSubscription.prototype.getSubscriber = function () { return this._subscriber; };
KiiPushSubscription.prototype._args = function (target) {
  var args = target._pushTarget(), who = this._subscriber;
  args.subscriber = who instanceof KiiThing ? { kind: 'things', id: who.getThingID() } : { kind: 'users', id: who.getID() };
  return args;
};
KiiPushSubscription.prototype._token = function () { var who = this._subscriber; return who._as ? who._as() : who._tokenOf(); };
KiiPushSubscription.prototype._valid = function (target, callbacks) {
  if (target instanceof KiiTopic || target instanceof KiiBucket) { return null; }
  var error = new InvalidArgumentException('target is invalid');
  error.target = this;
  if (callbacks && typeof callbacks.failure === 'function') { __kii_callback(callbacks.failure, [error]); }
  return Promise.reject(error);
};
KiiPushSubscription.prototype._change = function (op, target, callbacks) {
  var subscription = this;
  return this._valid(target, callbacks) || __kii_targeted(__kii_io(op, this._token(), this._args(target), callbacks,
    function () { return [subscription, target]; }, true, __kii_fail1(subscription)), subscription);
};
KiiPushSubscription.prototype.subscribe = function (target, callbacks) { return this._change('push.subscribe', target, callbacks); };
KiiPushSubscription.prototype.unsubscribe = function (target, callbacks) { return this._change('push.unsubscribe', target, callbacks); };
KiiPushSubscription.prototype.isSubscribed = function (target, callbacks) {
  var subscription = this;
  return this._valid(target, callbacks) || __kii_targeted(__kii_io('push.isSubscribed', this._token(), this._args(target),
    callbacks, function (subscribed) { return [subscription, target, subscribed]; }, true, __kii_fail1(subscription)), subscription);
};
KiiUser.prototype.pushSubscription = function () { return new KiiPushSubscription(this); };
KiiThing.prototype.pushSubscription = function () { return new KiiPushSubscription(this); };

function KiiContext(run) {
  this._run = run;
  if (run.userID) { this.userID = run.userID; }
  __kii_bind(this);
}
KiiContext.prototype.getAppID = function () { return this._run.appID; };
KiiContext.prototype.getAppKey = function () { return this._run.appKey; };
KiiContext.prototype.getAccessToken = function () { return this._run.token; };
KiiContext.prototype.getAppAdminContext = function () { return new KiiAppAdminContext(this._run.adminToken); };

/* --- the rest of Kii's server environment (Node and jQuery) ----------------------------------- */
/* Node's `global`: webpack bundles reach the global object through it to expose endpoints. */
var global = __kii_global;

function KiiSDKClientInfo() {}
KiiSDKClientInfo.getSDKClientInfo = function () { return 'sn=jss;sv=' + Kii.getSDKVersion(); };

/* The analytics SDK: events are accepted and written to the developer log. */
var KiiAnalytics = {
  getSDKVersion: function () { return Kii.getSDKVersion(); },
  getAppID: function () { return Kii.getAppID(); },
  getAppKey: function () { return Kii.getAppKey(); },
  initialize: function () {},
  initializeWithSite: function () {},
  trackEvent: function (type) { return KiiAnalytics.trackEventWithExtrasAndCallbacks(type, null, null); },
  trackEventWithExtras: function (type, extras) { return KiiAnalytics.trackEventWithExtrasAndCallbacks(type, extras, null); },
  trackEventWithCallbacks: function (type, callbacks) { return KiiAnalytics.trackEventWithExtrasAndCallbacks(type, null, callbacks); },
  trackEventWithExtrasAndCallbacks: function (type, extras, callbacks) {
    __kii_log('INFO')('KiiAnalytics event ' + type + (extras ? ' ' + __kii_JSON.stringify(extras) : ''));
    if (callbacks && typeof callbacks.success === 'function') { __kii_callback(callbacks.success, []); }
    return Promise.resolve();
  },
  upload: function (callbacks) { return KiiAnalytics.trackEventWithExtrasAndCallbacks('upload', null, callbacks); }
};

/* The vendored UMD source (`make vendor`) run as a CommonJS module. */
function __kii_underscoreFactory() {
  if (typeof __kii_underscoreSource !== 'string') { return null; }
  var module = { exports: {} };
  (new Function('module', 'exports', __kii_underscoreSource)).call(__kii_global, module, module.exports);
  return module.exports;
}
/* require(): Kii offered underscore; anything else fails as Node does. */
function require(name) {
  if (name === 'underscore') {
    /* js2py makes it once in the zygote (hardened with the prelude); QuickJS per realm, lazily. */
    if (typeof __kii_underscoreLib === 'function') { return __kii_underscoreLib; }
    var made = __kii_rt.underscore || (__kii_rt.underscore = __kii_underscoreFactory());
    if (!made) { throw new Error("Cannot find module 'underscore' (not installed: make vendor)"); }
    return made;
  }
  var error = new Error("Cannot find module '" + name + "'");
  error.code = 'MODULE_NOT_FOUND';
  throw error;
}

/* --- Buffer: bytes with utf8 / base64 / hex / latin1 text ---------------------------------- */
var __kii_B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function __kii_utf8(text) {
  var out = [];
  for (var i = 0; i < text.length; i++) {
    var c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      var d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      else { c = 0xfffd; }
    } else if (c >= 0xd800 && c < 0xe000) { c = 0xfffd; }
    if (c < 0x80) { out.push(c); }
    else if (c < 0x800) { out.push(0xc0 | (c >> 6), 0x80 | (c & 63)); }
    else if (c < 0x10000) { out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)); }
    else { out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)); }
  }
  return out;
}
function __kii_fromUtf8(bytes) {
  var out = '', i = 0;
  while (i < bytes.length) {
    var b = bytes[i], c = 0xfffd, n = 0;
    if (b < 0x80) { c = b; n = 0; } else if (b >= 0xc2 && b < 0xe0) { c = b & 31; n = 1; }
    else if (b >= 0xe0 && b < 0xf0) { c = b & 15; n = 2; } else if (b >= 0xf0 && b < 0xf5) { c = b & 7; n = 3; }
    else { out += '\ufffd'; i++; continue; }
    var ok = i + n < bytes.length;
    for (var k = 1; ok && k <= n; k++) { if ((bytes[i + k] & 0xc0) !== 0x80) { ok = false; } else { c = (c << 6) | (bytes[i + k] & 63); } }
    if (!ok) { out += '\ufffd'; i++; continue; }
    i += n + 1;
    if (c >= 0x10000) { c -= 0x10000; out += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 1023)); }
    else { out += String.fromCharCode(c); }
  }
  return out;
}
function __kii_bytesOf(value, encoding) {
  var enc = String(encoding || 'utf8').toLowerCase(), out = [], i;
  if (enc === 'base64') {
    var clean = String(value).replace(/[^A-Za-z0-9+\/\-_]/g, '').replace(/-/g, '+').replace(/_/g, '/');
    var bits = 0, acc = 0;
    for (i = 0; i < clean.length; i++) {
      acc = (acc << 6) | __kii_B64.indexOf(clean.charAt(i)); bits += 6;
      if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); }
    }
    return out;
  }
  if (enc === 'hex') {
    for (i = 0; i + 1 < value.length; i += 2) {
      var byte = parseInt(value.substr(i, 2), 16);
      if (isNaN(byte)) { break; }
      out.push(byte);
    }
    return out;
  }
  if (enc === 'ascii' || enc === 'latin1' || enc === 'binary') {
    for (i = 0; i < value.length; i++) { out.push(value.charCodeAt(i) & 255); }
    return out;
  }
  if (enc === 'utf8' || enc === 'utf-8') { return __kii_utf8(String(value)); }
  throw new TypeError('Unknown encoding: ' + encoding);
}
function Buffer(value, encoding) {
  if (!(this instanceof Buffer)) { return new Buffer(value, encoding); }
  var bytes;
  if (typeof value === 'number') { bytes = []; for (var z = 0; z < value; z++) { bytes.push(0); } }
  else if (typeof value === 'string') { bytes = __kii_bytesOf(value, encoding); }
  else if (value instanceof Buffer) { bytes = value._bytes.slice(); }
  else if (value && typeof value.length === 'number') { bytes = []; for (var j = 0; j < value.length; j++) { bytes.push(value[j] & 255); } }
  else if (value && value.type === 'Buffer' && value.data) { return new Buffer(value.data); }
  else { throw new TypeError('The first argument must be a string, a Buffer, an array or a number'); }
  this._bytes = bytes;
  this.length = bytes.length;
  for (var i = 0; i < bytes.length; i++) { this[i] = bytes[i]; }
}
Buffer.from = function (value, encoding) { return new Buffer(value, encoding); };
Buffer.alloc = function (size, fill) {
  var b = new Buffer(size);
  if (fill !== undefined) { for (var i = 0; i < size; i++) { b[i] = b._bytes[i] = typeof fill === 'number' ? fill & 255 : __kii_utf8(String(fill))[i % __kii_utf8(String(fill)).length]; } }
  return b;
};
Buffer.allocUnsafe = function (size) { return new Buffer(size); };
Buffer.isBuffer = function (b) { return b instanceof Buffer; };
Buffer.isEncoding = function (e) { return /^(utf-?8|base64|hex|ascii|latin1|binary)$/i.test(String(e)); };
Buffer.byteLength = function (value, encoding) { return typeof value === 'string' ? __kii_bytesOf(value, encoding).length : value.length; };
Buffer.concat = function (list) {
  var bytes = [];
  for (var i = 0; i < list.length; i++) { bytes = bytes.concat(list[i]._current()); }
  return new Buffer(bytes);
};
Buffer.prototype._current = function () {
  var out = [];
  for (var i = 0; i < this.length; i++) { out.push(this[i] & 255); }
  return out;
};
Buffer.prototype.toString = function (encoding, start, end) {
  var bytes = this._current().slice(start || 0, end === undefined ? this.length : end);
  var enc = String(encoding || 'utf8').toLowerCase(), out = '', i;
  if (enc === 'base64') {
    for (i = 0; i < bytes.length; i += 3) {
      var n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      out += __kii_B64.charAt((n >> 18) & 63) + __kii_B64.charAt((n >> 12) & 63) +
             (i + 1 < bytes.length ? __kii_B64.charAt((n >> 6) & 63) : '=') +
             (i + 2 < bytes.length ? __kii_B64.charAt(n & 63) : '=');
    }
    return out;
  }
  if (enc === 'hex') {
    for (i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16); }
    return out;
  }
  if (enc === 'ascii' || enc === 'latin1' || enc === 'binary') {
    for (i = 0; i < bytes.length; i++) { out += String.fromCharCode(enc === 'ascii' ? bytes[i] & 127 : bytes[i]); }
    return out;
  }
  if (enc === 'utf8' || enc === 'utf-8') { return __kii_fromUtf8(bytes); }
  throw new TypeError('Unknown encoding: ' + encoding);
};
Buffer.prototype.toJSON = function () { return { type: 'Buffer', data: this._current() }; };
Buffer.prototype.slice = function (start, end) { return new Buffer(this._current().slice(start, end)); };
Buffer.prototype.equals = function (other) { return this.toString('hex') === other.toString('hex'); };

/* --- jQuery's $: Deferred, when, ajax and the utilities server code used --------------------- */
function __kii_isThenable(v) { return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function'; }
function __kii_Deferred(init) {
  var state = 'pending', args = [], self = this, lists = { resolved: [], rejected: [], always: [] };
  function fire(to, values) {
    if (state !== 'pending') { return; }
    state = to; args = values;
    var list = lists[to].concat(lists.always);
    lists = { resolved: [], rejected: [], always: [] };
    for (var i = 0; i < list.length; i++) {
      /* A callback's exception is the execution's, as an uncaught one in Node. */
      try { list[i].apply(promise, args); } catch (e) { if (!__kii_rt.uncaught) { __kii_rt.uncaught = e; } }
    }
  }
  function add(kind, fns) {
    for (var i = 0; i < fns.length; i++) {
      var f = fns[i];
      if (f && typeof f.length === 'number' && typeof f !== 'function') { add(kind, f); continue; }
      if (typeof f !== 'function') { continue; }
      if (state === 'pending') { lists[kind].push(f); }
      else if (kind === 'always' || kind === state) { f.apply(promise, args); }
    }
    return this;
  }
  var promise = {
    state: function () { return state; },
    done: function () { add('resolved', arguments); return this; },
    fail: function () { add('rejected', arguments); return this; },
    always: function () { add('always', arguments); return this; },
    progress: function () { return this; },
    then: function (onDone, onFail) {
      var next = new __kii_Deferred();
      function chain(fn, passOn) {
        return function () {
          var values = arguments;
          __kii_rt.jobs.push(function () {
            if (typeof fn !== 'function') { passOn.apply(next, values); return; }
            var v;
            try { v = fn.apply(undefined, values); } catch (e) { next.reject(e); return; }
            if (__kii_isThenable(v)) { v.then(function (x) { next.resolve(x); }, function (x) { next.reject(x); }); }
            else { next.resolve(v); }
          });
        };
      }
      add('resolved', [chain(onDone, next.resolve)]);
      add('rejected', [chain(onFail, next.reject)]);
      return next.promise();
    },
    promise: function (target) {
      if (!target) { return promise; }
      for (var k in promise) { if (Object.prototype.hasOwnProperty.call(promise, k)) { target[k] = promise[k]; } }
      return target;
    }
  };
  promise['catch'] = function (fn) { return promise.then(null, fn); };
  promise.pipe = promise.then;
  promise.promise(this);
  this.resolve = function () { fire('resolved', Array.prototype.slice.call(arguments)); return self; };
  this.reject = function () { fire('rejected', Array.prototype.slice.call(arguments)); return self; };
  this.resolveWith = function (ctx, a) { fire('resolved', a ? Array.prototype.slice.call(a) : []); return self; };
  this.rejectWith = function (ctx, a) { fire('rejected', a ? Array.prototype.slice.call(a) : []); return self; };
  this.notify = function () { return self; };
  this.notifyWith = this.notify;
  if (typeof init === 'function') { init.call(this, this); }
}
function __kii_when() {
  var items = Array.prototype.slice.call(arguments), all = new __kii_Deferred();
  if (items.length === 1 && __kii_isThenable(items[0]) && typeof items[0].done === 'function') { return items[0].promise ? items[0].promise() : items[0]; }
  var left = items.length, out = [];
  if (!left) { all.resolve(); return all.promise(); }
  for (var i = 0; i < items.length; i++) {
    (function (i, item) {
      function ok() { out[i] = arguments.length > 1 ? Array.prototype.slice.call(arguments) : arguments[0]; left -= 1; if (!left) { all.resolve.apply(all, out); } }
      function ko() { all.reject.apply(all, arguments); }
      if (item && typeof item.done === 'function' && typeof item.fail === 'function') { item.done(ok).fail(ko); }
      else if (__kii_isThenable(item)) { item.then(ok, ko); }
      else { ok(item); }
    })(i, items[i]);
  }
  return all.promise();
}
function __kii_type(v) {
  if (v === null) { return 'null'; }
  var t = Object.prototype.toString.call(v);
  return { '[object Array]': 'array', '[object Date]': 'date', '[object RegExp]': 'regexp', '[object Function]': 'function', '[object Error]': 'error' }[t] || typeof v;
}
function __kii_isPlainObject(v) {
  if (!v || Object.prototype.toString.call(v) !== '[object Object]') { return false; }
  var proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}
function __kii_each(obj, fn) {
  var i;
  if (obj && typeof obj.length === 'number' && typeof obj !== 'function') {
    for (i = 0; i < obj.length; i++) { if (fn.call(obj[i], i, obj[i]) === false) { break; } }
  } else {
    for (i in obj) { if (Object.prototype.hasOwnProperty.call(obj, i) && fn.call(obj[i], i, obj[i]) === false) { break; } }
  }
  return obj;
}
function __kii_extend() {
  var args = arguments, deep = false, i = 0;
  if (typeof args[0] === 'boolean') { deep = args[0]; i = 1; }
  var target = args[i] || {};
  if (typeof target !== 'object' && typeof target !== 'function') { target = {}; }
  for (i = i + 1; i < args.length; i++) {
    var source = args[i];
    if (source === null || source === undefined) { continue; }
    for (var k in source) {
      var value = source[k];
      if (value === target || value === undefined) { continue; }
      if (deep && value && (__kii_isPlainObject(value) || __kii_type(value) === 'array')) {
        var base = target[k];
        if (__kii_type(value) === 'array') { base = __kii_type(base) === 'array' ? base : []; }
        else { base = __kii_isPlainObject(base) ? base : {}; }
        target[k] = __kii_extend(true, base, value);
      } else {
        target[k] = value;
      }
    }
  }
  return target;
}
function __kii_param(obj, traditional) {
  var parts = [];
  function add(key, value) {
    value = typeof value === 'function' ? value() : value;
    parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(value === null || value === undefined ? '' : value));
  }
  function build(prefix, value) {
    if (__kii_type(value) === 'array') {
      __kii_each(value, function (i, v) {
        if (traditional || /\[\]$/.test(prefix)) { add(prefix, v); }
        else { build(prefix + '[' + (typeof v === 'object' && v !== null ? i : '') + ']', v); }
      });
    } else if (!traditional && value !== null && typeof value === 'object') {
      for (var k in value) { build(prefix + '[' + k + ']', value[k]); }
    } else { add(prefix, value); }
  }
  if (__kii_type(obj) === 'array') { __kii_each(obj, function (i, o) { add(o.name, o.value); }); }
  else { for (var key in obj) { build(key, obj[key]); } }
  return parts.join('&').replace(/%20/g, '+');
}
function __kii_ajax(url, options) {
  if (typeof url === 'object') { options = url; url = options.url; }
  var s = __kii_extend(true, {}, __kii_rt.ajax, options || {});
  s.url = String(url || s.url || '');
  var method = String(s.method || s.type || 'GET');
  var headers = __kii_extend({}, s.headers || {});
  var body = null, data = s.data;
  if (data !== undefined && data !== null && typeof data !== 'string' && s.processData !== false) { data = __kii_param(data, s.traditional); }
  if (method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD') {
    if (data) { s.url += (s.url.indexOf('?') < 0 ? '?' : '&') + data; }
  } else if (data !== undefined && data !== null) {
    body = typeof data === 'string' ? data : __kii_JSON.stringify(data);
  }
  if (s.contentType !== false && body !== null) {
    var hasType = false;
    for (var h in headers) { if (h.toLowerCase() === 'content-type') { hasType = true; } }
    if (!hasType) { headers['Content-Type'] = s.contentType || 'application/x-www-form-urlencoded; charset=UTF-8'; }
  }
  if (s.username) { headers.Authorization = 'Basic ' + new Buffer(s.username + ':' + (s.password || '')).toString('base64'); }
  var deferred = new __kii_Deferred(), responseHeaders = {};
  var jqXHR = deferred.promise({
    readyState: 0, status: 0, statusText: '', responseText: undefined,
    setRequestHeader: function (name, value) { headers[name] = value; return this; },
    getResponseHeader: function (name) { var v = responseHeaders[String(name).toLowerCase()]; return v === undefined ? null : v; },
    getAllResponseHeaders: function () { var out = ''; for (var k in responseHeaders) { out += k + ': ' + responseHeaders[k] + '\r\n'; } return out; },
    overrideMimeType: function () { return this; },
    abort: function () { return this; }
  });
  jqXHR.success = jqXHR.done; jqXHR.error = jqXHR.fail; jqXHR.complete = jqXHR.always;
  var ctx = s.context || s;
  if (typeof s.success === 'function') { jqXHR.done(function () { __kii_callback(function (a) { s.success.apply(ctx, a); }, [arguments]); }); }
  if (typeof s.error === 'function') { jqXHR.fail(function () { __kii_callback(function (a) { s.error.apply(ctx, a); }, [arguments]); }); }
  if (typeof s.beforeSend === 'function' && s.beforeSend.call(ctx, jqXHR, s) === false) {
    jqXHR.statusText = 'canceled';
    deferred.reject(jqXHR, 'canceled', 'canceled');
    return jqXHR;
  }
  var request = { method: method, url: s.url, headers: headers, body: body, timeout: s.timeout || null };
  __kii_call('http.request', null, request).then(function (r) {
    var textStatus, value, ok;
    responseHeaders = r.headers || {};
    jqXHR.readyState = 4; jqXHR.status = r.status; jqXHR.statusText = r.statusText || r.textStatus || 'error';
    jqXHR.responseText = r.body;
    if (r.status === 0) {
      ok = false; textStatus = r.textStatus || 'error'; value = r.textStatus === 'timeout' ? 'timeout' : '';
      __kii_log('WARN')('$.ajax ' + method + ' ' + s.url + ' failed: ' + (r.message || textStatus));
    }
    else {
      ok = (r.status >= 200 && r.status < 300) || r.status === 304;
      textStatus = r.status === 204 || method.toUpperCase() === 'HEAD' ? 'nocontent' : r.status === 304 ? 'notmodified' : ok ? 'success' : 'error';
      value = ok ? r.body : jqXHR.statusText;
      var type = String(responseHeaders['content-type'] || '');
      var wantsJson = s.dataType === 'json' || (!s.dataType && /json/i.test(type));
      if (wantsJson && r.body) {
        try { jqXHR.responseJSON = __kii_JSON.parse(r.body); if (ok) { value = jqXHR.responseJSON; } }
        catch (e) { if (ok) { ok = false; textStatus = 'parsererror'; value = new SyntaxError(String(e.message || e)); } }
      } else if (ok && wantsJson) { value = undefined; }
    }
    if (ok) { deferred.resolve(value, textStatus, jqXHR); } else { deferred.reject(jqXHR, textStatus, value); }
    var byStatus = s.statusCode && s.statusCode[jqXHR.status];
    if (typeof byStatus === 'function') {
      __kii_callback(function () { if (ok) { byStatus.call(ctx, value, textStatus, jqXHR); } else { byStatus.call(ctx, jqXHR, textStatus, value); } }, []);
    }
    if (typeof s.complete === 'function') { __kii_callback(function () { s.complete.call(ctx, jqXHR, textStatus); }, []); }
  });
  return jqXHR;
}
var $ = {
  ajaxSetup: function (o) { return __kii_extend(true, __kii_rt.ajax, o); },
  ajax: __kii_ajax,
  get: function (url, data, success, dataType) {
    if (typeof url === 'object') { return __kii_ajax(__kii_extend({ method: 'GET' }, url)); }
    if (typeof data === 'function') { dataType = success; success = data; data = undefined; }
    return __kii_ajax({ url: url, method: 'GET', data: data, success: success, dataType: dataType });
  },
  post: function (url, data, success, dataType) {
    if (typeof url === 'object') { return __kii_ajax(__kii_extend({ method: 'POST' }, url)); }
    if (typeof data === 'function') { dataType = success; success = data; data = undefined; }
    return __kii_ajax({ url: url, method: 'POST', data: data, success: success, dataType: dataType });
  },
  getJSON: function (url, data, success) { return $.get(url, data, success, 'json'); },
  Deferred: function (init) { return new __kii_Deferred(init); },
  when: __kii_when,
  each: __kii_each,
  map: function (obj, fn) {
    var out = [];
    __kii_each(obj, function (i, v) {
      var r = fn(v, i);
      if (r === null || r === undefined) { return; }
      if (__kii_type(r) === 'array') { out.push.apply(out, r); } else { out.push(r); }
    });
    return out;
  },
  grep: function (items, fn, invert) {
    var out = [];
    for (var i = 0; i < items.length; i++) { if (!fn(items[i], i) !== !invert) { out.push(items[i]); } }
    return out;
  },
  extend: __kii_extend,
  isArray: function (v) { return __kii_type(v) === 'array'; },
  isFunction: function (v) { return typeof v === 'function'; },
  isPlainObject: __kii_isPlainObject,
  isEmptyObject: function (v) { for (var k in v) { return false; } return true; },
  isNumeric: function (v) { var t = typeof v; return (t === 'number' || t === 'string') && !isNaN(v - parseFloat(v)); },
  type: __kii_type,
  trim: function (s) { return s === null || s === undefined ? '' : String(s).replace(/^\s+|\s+$/g, ''); },
  param: __kii_param,
  parseJSON: function (text) { return __kii_JSON.parse(text); },
  inArray: function (v, items, from) {
    if (!items) { return -1; }
    for (var i = from || 0; i < items.length; i++) { if (items[i] === v) { return i; } }
    return -1;
  },
  merge: function (first, second) { for (var i = 0; i < second.length; i++) { first.push(second[i]); } return first; },
  makeArray: function (v) { return v === null || v === undefined ? [] : (typeof v.length === 'number' && typeof v !== 'string' ? Array.prototype.slice.call(v) : [v]); },
  now: function () { return new Date().getTime(); },
  noop: function () {}
};
var jQuery = $;

/* --- the host's entry points --------------------------------------------------------------- */
/* The host's own JSON, taken before server code runs: a script that replaces JSON's methods
 * changes what it computes, never how its turns reach the host. */
var __kii_JSON = { stringify: JSON.stringify, parse: JSON.parse };
function __kii_errorOf(e) {
  if (e instanceof Error) { return String(e.message !== undefined ? (e.name && e.name !== 'Error' ? e.name + ': ' + e.message : e.message) : e); }
  if (typeof e === 'string') { return e; }
  try { return __kii_JSON.stringify(e); } catch (x) { return String(e); }
}
/* Nothing queued, nothing awaited (a count: the script may have replaced built-ins). */
function __kii_idle(rt) { return rt.waiting === 0 && !rt.requests.length && !rt.jobs.length; }
function __kii_turn() {
  var rt = __kii_rt, run = rt.run;
  if (run.returned && !run.finished && rt.uncaught !== undefined && rt.uncaught !== null) {
    /* Thrown by work a synchronous endpoint left running: its result stands, as Node's
     * response did; the error goes to the log. */
    rt.logs.push({ level: 'ERROR', message: 'Uncaught after the endpoint returned: ' + __kii_errorOf(rt.uncaught) });
    rt.uncaught = null;
  }
  if (run.returned && !run.finished && __kii_idle(rt)) { run.finished = true; }
  var out = { finished: run.finished };
  if (run.returned) { out.returned = true; }
  if (rt.requests.length) { out.requests = rt.requests; rt.requests = []; }
  if (rt.logs.length) { out.logs = rt.logs; rt.logs = []; }
  if (!run.finished && rt.uncaught !== undefined && rt.uncaught !== null) {
    run.finished = true; run.error = __kii_errorOf(rt.uncaught); out.finished = true;
  }
  if (run.error !== null) { out.error = run.error; }
  else if (run.finished || run.returned) { out.result = run.result === undefined ? {} : { returnedValue: run.result }; }
  if (rt.logsDropped) { out.logsDropped = rt.logsDropped; rt.logsDropped = 0; }
  try {
    return __kii_JSON.stringify(out);
  } catch (e) {
    delete out.result;
    out.error = 'The returned value cannot be converted to JSON: ' + __kii_errorOf(e);
    return __kii_JSON.stringify(out);
  }
}
function __kii_begin(text) {
  var start = __kii_JSON.parse(text);
  var rt = __kii_rt = __kii_newRun();
  rt.app = { appID: start.context.appID, appKey: start.context.appKey, baseURL: start.context.baseURL };
  var run = rt.run, entry = __kii_global[start.endpoint];
  if (typeof entry !== 'function') {
    run.finished = true; run.error = 'The endpoint ' + start.endpoint + ' is not a function';
    return __kii_turn();
  }
  var context = new KiiContext(start.context);
  try {
    if (entry.length < 3) {
      /* Its return value is the result; what it started still runs, as on Node. */
      run.result = entry(start.params, context); run.returned = true;
    } else {
      entry(start.params, context, function (value) {
        if (!run.finished) { run.finished = true; run.result = value; }
      });
    }
    __kii_runJobs();
  } catch (e) {
    if (!run.finished) { run.finished = true; run.error = __kii_errorOf(e); }
  }
  return __kii_turn();
}
/* At deploy: which of these names the file's top level left as global functions. */
function __kii_functions(text) {
  var names = __kii_JSON.parse(text), out = [];
  for (var i = 0; i < names.length; i++) {
    try { if (typeof __kii_global[names[i]] === 'function') { out.push(names[i]); } } catch (e) {}
  }
  return __kii_JSON.stringify(out);
}
function __kii_resume(text) {
  var responses = __kii_JSON.parse(text), rt = __kii_rt, run = rt.run;
  try {
    for (var i = 0; i < responses.length; i++) {
      var r = responses[i], waiting = rt.pending[r.id];
      if (!waiting) { continue; }
      delete rt.pending[r.id];
      rt.waiting -= 1;
      if (r.ok) { waiting.resolve(r.value); } else { waiting.reject(__kii_error(waiting.op, r)); }
    }
    __kii_runJobs();
  } catch (e) {
    if (!run.finished) { run.finished = true; run.error = __kii_errorOf(e); }
  }
  return __kii_turn();
}
