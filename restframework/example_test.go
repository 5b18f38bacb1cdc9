package restframework_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// An API endpoint for logged-in users: an anonymous request gets DRF's 401 (the first
// authenticator, TokenAuthentication, names its scheme in WWW-Authenticate). In a real
// service the authenticators get the site's auth.Config and restframework.NewSQLTokens.
func ExampleAPIView() {
	view := &restframework.APIView{
		Authentication: []restframework.Authenticator{&restframework.TokenAuthentication{}},
		Permissions:    []restframework.Permission{restframework.IsAuthenticated{}},
		Methods:        []string{"GET"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u := restframework.FromContext(r.Context()).User
			restframework.Response(w, r, http.StatusOK, serializer.Str(u.Username))
		}),
	}
	rec := httptest.NewRecorder()
	view.ServeHTTP(rec, httptest.NewRequest("GET", "/api/me/", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Header().Get("Allow"))
	fmt.Println(rec.Body)
	// Output:
	// 401 Token GET, HEAD, OPTIONS
	// {"detail":"Authentication credentials were not provided."}
}

// Response renders as DRF's JSONRenderer: compact, non-ASCII as is, datetimes in ISO 8601,
// or indented when the Accept header asks.
func ExampleResponse() {
	d := serializer.NewDict()
	d.Set("name", serializer.Str("José"))
	d.Set("ids", serializer.List(serializer.Int(1), serializer.Int(2)))
	view := &restframework.APIView{Methods: []string{"GET"}, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
	})}
	for _, accept := range []string{"application/json", "application/json; indent=2"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		view.ServeHTTP(rec, req)
		fmt.Println(rec.Body)
	}
	// Output:
	// {"name":"José","ids":[1,2]}
	// {
	//   "name": "José",
	//   "ids": [
	//     1,
	//     2
	//   ]
	// }
}
