const { clerkMiddleware, getAuth } = require('@clerk/express')
const { createClient } = require('@supabase/supabase-js')
const express = require('express')

const app = express()
app.use(clerkMiddleware())

app.get('/tasks', async (req, res) => {
  const { getToken } = getAuth(req)
  const token = await getToken( { "template" : "supabase" } )
  const supabase = createClient(process.env.SUPABASE_URL, process.env.SUPABASE_ANON_KEY, {
    global: { headers: { Authorization: 'Bearer ' + token } },
  })
  const { data } = await supabase.from('tasks').select()
  res.json(data)
})

app.listen(3000)
