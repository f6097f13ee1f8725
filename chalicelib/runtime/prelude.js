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
  return { seq: 0, outbox: [], pending: {}, jobs: [], logs: [], logBytes: 0, uncaught: null,
           run: { finished: false, result: undefined, error: null }, app: {}, currentUser: null };
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
function __kii_format(args) {
  var parts = [];
  for (var i = 0; i < args.length; i++) {
    var a = args[i];
    if (typeof a === 'string') { parts.push(a); continue; }
    if (a instanceof Error) { parts.push(String(a.stack || a)); continue; }
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
  rt.outbox.push({ id: id, op: op, token: token || null, args: args || {} });
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

/* --- Kii -------------------------------------------------------------------------------------- */
function InvalidArgumentException(message) { this.message = message; this.name = 'InvalidArgumentException'; }
InvalidArgumentException.prototype = new Error();
function InvalidURIException(message) { this.message = message || 'invalid URI'; this.name = 'InvalidURIException'; }
InvalidURIException.prototype = new Error();

var KiiServerCodeEnvironmentVersion = { V0: '0', V6: '6' };
var Kii = {
  getAppID: function () { return __kii_rt.app.appID; },
  getAppKey: function () { return __kii_rt.app.appKey; },
  getBaseURL: function () { return __kii_rt.app.baseURL; },
  getSDKVersion: function () { return '2.4.19'; },
  setAdditionalHeaders: function () {},
  initialize: function () {},
  initializeWithSite: function () {},
  bucketWithName: function (name) { return new KiiBucket(name, null, __kii_actor); },
  encryptedBucketWithName: function (name) { return Kii.bucketWithName(name); },
  groupWithName: function (name, members) { return KiiGroup.groupWithNameAndMembers(name, members); },
  serverCodeEntry: function (name, version, environmentVersion) { return new KiiServerCodeEntry(name, version); },
  authenticateAsAdminWithToken: function (token, callbacks) {
    var admin = new KiiAppAdminContext(token);
    if (callbacks && typeof callbacks.success === 'function') { __kii_callback(callbacks.success, [admin]); }
    return Promise.resolve(admin);
  },
  logOut: function () { __kii_rt.currentUser = null; }
};
function KiiServerCodeEntry(name, version) { this._name = name; this._version = version || 'current'; }
KiiServerCodeEntry.prototype.getEntryName = function () { return this._name; };
KiiServerCodeEntry.prototype.execute = function (args, callbacks) {
  var entry = this;
  return __kii_io('servercode.execute', __kii_actor(), { endpoint: this._name }, callbacks, null, false,
                  function (error) { return [entry, args, error.message]; });
};

/* --- principals and ACL subjects ------------------------------------------------------------- */
function KiiAnonymousUser() {}
KiiAnonymousUser.prototype.getID = function () { return 'ANONYMOUS_USER'; };
KiiAnonymousUser.prototype._aclSubject = function () { return 'UserID:ANONYMOUS_USER'; };
function KiiAnyAuthenticatedUser() {}
KiiAnyAuthenticatedUser.prototype.getID = function () { return 'ANY_AUTHENTICATED_USER'; };
KiiAnyAuthenticatedUser.prototype._aclSubject = function () { return 'UserID:ANY_AUTHENTICATED_USER'; };

/* --- KiiUser ---------------------------------------------------------------------------------- */
function KiiUser(id, tokenOf) { this._uuid = id || null; this._info = {}; this._token = null; this._tokenOf = tokenOf || __kii_actor; }
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
    user._apply(raw.user); user._token = raw.token; user._password = undefined; return user;
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
function KiiGroup(name, tokenOf) { this._id = null; this._name = name || null; this._owner = null; this._add = []; this._remove = []; this._tokenOf = tokenOf || __kii_actor; }
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
function KiiThing(tokenOf) { this.fields = {}; this._tokenOf = tokenOf || __kii_actor; this._thingID = null; }
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
function KiiACLEntry(subject, action) { this._subject = subject; this._action = action; this._grant = true; }
KiiACLEntry.entryWithSubject = function (subject, action) { return new KiiACLEntry(subject, action); };
KiiACLEntry.prototype.setGrant = function (v) { this._grant = !!v; };
KiiACLEntry.prototype.getGrant = function () { return this._grant; };
KiiACLEntry.prototype.setAction = function (v) { this._action = v; };
KiiACLEntry.prototype.getAction = function () { return this._action; };
KiiACLEntry.prototype.setSubject = function (v) { this._subject = v; };
KiiACLEntry.prototype.getSubject = function () { return this._subject; };
function KiiACL(target, where) { this._target = target; this._where = where; this._changes = []; }
KiiACL.prototype.putACLEntry = function (entry) { this._changes.push(entry); };
KiiACL.prototype.removeACLEntry = function (entry) { var e = new KiiACLEntry(entry._subject, entry._action); e._grant = false; this._changes.push(e); };
KiiACL.prototype.listACLEntries = function (callbacks) {
  var acl = this, target = this._target;
  return __kii_io('acl.get', this._where.token(), this._where.args, callbacks, function (raw) {
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
    steps.push(__kii_call('acl.change', this._where.token(), args));
  }
  return __kii_io_wrap(Promise.all(steps).then(function () { return acl; }), callbacks, __kii_targetFail(acl));
};

/* --- KiiBucket ---------------------------------------------------------------------------------- */
function KiiBucket(name, scope, tokenOf) { this._name = name; this._scope = scope; this._tokenOf = tokenOf || __kii_actor; }
KiiBucket.prototype.getBucketName = function () { return this._name; };
KiiBucket.prototype._scopeArg = function () { return this._scope ? { kind: this._scope.kind, id: this._scope.id } : { kind: 'app' }; };
KiiBucket.prototype._args = function () { return { scope: this._scopeArg(), bucket: this._name }; };
KiiBucket.prototype.objectURI = function () {
  return (this._scope ? this._scope.owner.objectURI() + '/' : 'kiicloud://') + 'buckets/' + this._name;
};
KiiBucket.prototype.createObject = function () { return new KiiObject(this); };
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
function KiiGeoPoint(lat, lon) { this._lat = lat; this._lon = lon; }
KiiGeoPoint.geoPoint = function (lat, lon) { return new KiiGeoPoint(lat, lon); };
KiiGeoPoint.prototype.getLatitude = function () { return this._lat; };
KiiGeoPoint.prototype.getLongitude = function () { return this._lon; };
KiiGeoPoint.prototype.toObject = function () { return { _type: 'point', lat: this._lat, lon: this._lon }; };

function KiiObject(bucket) {
  this._bucket = bucket; this._id = null; this._customInfo = {}; this._patch = {};
  this._created = null; this._modified = null; this._owner = null; this._version = null; this._type = null; this._new = false;
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

/* --- KiiQuery / KiiClause --------------------------------------------------------------------- */
function KiiClause(dict) { this._dict = dict; }
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
function KiiQuery(clause) { this._clause = clause || null; this._limit = null; this._sort = null; this._descending = false; this._paginationKey = null; }
KiiQuery.queryWithClause = function (clause) { return new KiiQuery(clause); };
KiiQuery.prototype.setLimit = function (n) { this._limit = n; };
KiiQuery.prototype.getLimit = function () { return this._limit; };
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
}
KiiAppAdminContext.prototype.getAccessToken = function () { return this._token; };
KiiAppAdminContext.prototype._getToken = KiiAppAdminContext.prototype.getAccessToken;
KiiAppAdminContext.prototype.bucketWithName = function (name) { return new KiiBucket(name, null, this._tokenOf); };
KiiAppAdminContext.prototype.encryptedBucketWithName = KiiAppAdminContext.prototype.bucketWithName;
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

function KiiContext(run) {
  this._run = run;
  if (run.userID) { this.userID = run.userID; }
}
KiiContext.prototype.getAppID = function () { return this._run.appID; };
KiiContext.prototype.getAppKey = function () { return this._run.appKey; };
KiiContext.prototype.getAccessToken = function () { return this._run.token; };
KiiContext.prototype.getAppAdminContext = function () { return new KiiAppAdminContext(this._run.adminToken); };

/* --- the host's entry points --------------------------------------------------------------- */
/* The host's own JSON, taken before server code runs: a script that replaces JSON's methods
 * changes what it computes, never how its turns reach the host. */
var __kii_JSON = { stringify: JSON.stringify, parse: JSON.parse };
function __kii_errorOf(e) {
  if (e instanceof Error) { return String(e.message !== undefined ? (e.name && e.name !== 'Error' ? e.name + ': ' + e.message : e.message) : e); }
  if (typeof e === 'string') { return e; }
  try { return __kii_JSON.stringify(e); } catch (x) { return String(e); }
}
function __kii_turn() {
  var rt = __kii_rt, run = rt.run, out = { finished: run.finished };
  if (rt.outbox.length) { out.requests = rt.outbox; rt.outbox = []; }
  if (rt.logs.length) { out.logs = rt.logs; rt.logs = []; }
  if (!run.finished && rt.uncaught !== undefined && rt.uncaught !== null) {
    run.finished = true; run.error = __kii_errorOf(rt.uncaught); out.finished = true;
  }
  if (run.error !== null) { out.error = run.error; }
  else if (run.finished) { out.result = run.result === undefined ? {} : { returnedValue: run.result }; }
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
      var value = entry(start.params, context);
      run.result = value; run.finished = true;
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
function __kii_resume(text) {
  var responses = __kii_JSON.parse(text), rt = __kii_rt, run = rt.run;
  try {
    for (var i = 0; i < responses.length; i++) {
      var r = responses[i], waiting = rt.pending[r.id];
      if (!waiting) { continue; }
      delete rt.pending[r.id];
      if (r.ok) { waiting.resolve(r.value); } else { waiting.reject(__kii_error(waiting.op, r)); }
    }
    __kii_runJobs();
  } catch (e) {
    if (!run.finished) { run.finished = true; run.error = __kii_errorOf(e); }
  }
  return __kii_turn();
}
