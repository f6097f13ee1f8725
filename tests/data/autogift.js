// The seed's autogift endpoint (Kii blog "Automate Kii Server Extensions with Server Hooks"),
// unchanged, with the getSignUpGift helper it calls defined beside it as the snippet assumes.
function getSignUpGift() {
  return "Battle Axe";
}

function autogift(params, context, done) {
  var admin = context.getAppAdminContext();
  var user = admin.userWithID(params.userID);

  // Gift for new user.
  var selectedGift = getSignUpGift();
  var giftObject = user.bucketWithName("gifts").createObject();
  giftObject.set("name", "Battle Axe");
  giftObject.set("imageUrl", "uri://axe_image_url_here");
  giftObject.save({
    success: function(targetObj) {
      done(0);
    },
    failure: function(targetObj, error) {
      done(1);
    }
  });
}
